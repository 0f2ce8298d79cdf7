// The slice of a Pod the node agent acts on, parsed with zod from informer objects (Date or RFC 3339 strings).
import { z } from "zod";

const IntOrString = z.union([z.number().int(), z.string()]);

const HttpGetAction = z.object({
  path: z.string().optional(),
  port: IntOrString,
  host: z.string().optional(),
  scheme: z.string().optional(),
  httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
});
export type HttpGetAction = z.infer<typeof HttpGetAction>;

const ExecAction = z.object({ command: z.array(z.string()).optional() });

const Probe = z.object({
  httpGet: HttpGetAction.optional(),
  exec: ExecAction.optional(),
  initialDelaySeconds: z.number().int().optional(),
  periodSeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  successThreshold: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
});
export type Probe = z.infer<typeof Probe>;

const LifecycleHandler = z.object({
  httpGet: HttpGetAction.optional(),
  exec: ExecAction.optional(),
  sleep: z.object({ seconds: z.number().int() }).optional(),
});
export type LifecycleHandler = z.infer<typeof LifecycleHandler>;

const EnvVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({ fieldRef: z.object({ fieldPath: z.string() }).optional() })
    .loose()
    .optional(),
});
export type EnvVar = z.infer<typeof EnvVar>;

const Container = z.object({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(EnvVar).optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        containerPort: z.number().int(),
        protocol: z.string().optional(),
      }),
    )
    .optional(),
  readinessProbe: Probe.optional(),
  livenessProbe: Probe.optional(),
  lifecycle: z.object({ preStop: LifecycleHandler.optional() }).loose().optional(),
});
export type ContainerSpec = z.infer<typeof Container>;

const Timestamp = z.union([z.date(), z.string()]).transform((v) => new Date(v));

const PodCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastTransitionTime: Timestamp.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type PodCondition = z.infer<typeof PodCondition>;

export const PodModel = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string(),
    uid: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    deletionTimestamp: Timestamp.optional(),
    deletionGracePeriodSeconds: z.number().int().optional(),
  }),
  spec: z.object({
    nodeName: z.string().optional(),
    containers: z.array(Container).min(1),
    restartPolicy: z.enum(["Always", "OnFailure", "Never"]).optional(),
    readinessGates: z.array(z.object({ conditionType: z.string() })).optional(),
    terminationGracePeriodSeconds: z.number().int().optional(),
  }),
  status: z
    .object({
      phase: z.string().optional(),
      podIP: z.string().optional(),
      startTime: Timestamp.optional(),
      conditions: z.array(PodCondition).optional(),
    })
    .optional(),
});
export type PodModel = z.infer<typeof PodModel>;

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export function parsePod(raw: unknown): PodModel {
  const result = PodModel.safeParse(raw);
  if (!result.success) {
    const meta = (raw as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
    throw new Error(`node-agent: cannot parse pod ${meta?.namespace}/${meta?.name}: ${result.error.message}`);
  }
  return result.data;
}

export const podKey = (namespace: string, name: string): string => `${namespace}/${name}`;
