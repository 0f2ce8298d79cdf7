// QuiescePolicy (quiesce.dev/v1alpha1): the zod schema that is the single source of the types and of the CRD.
import { z } from "zod";
import { DRAIN_PHASES } from "./pod-annotations.ts";

export const GROUP = "quiesce.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "QuiescePolicy";
export const LIST_KIND = "QuiescePolicyList";
export const PLURAL = "quiescepolicies";
export const SINGULAR = "quiescepolicy";
export const SHORT_NAMES = ["qp"];
export const CATEGORIES = ["quiesce"];

/** Defaults, shared by zod (`.default`) and therefore by the generated CRD. */
export const DEFAULTS = {
  mode: "Enforce",
  endpointPath: "/quiesce",
  endpointScheme: "HTTP",
  requestTimeoutSeconds: 2,
  pollIntervalSeconds: 1,
  settleSeconds: 10,
  maxSettleSeconds: 120,
  onTimeout: "Delete",
  injectPreStop: false,
  maxConcurrent: 1,
  minServing: 1,
  preferIdle: false,
  scaleInPollIntervalSeconds: 10,
} as const;

/**
 * Every rule the API server checks with CEL, with the message both it and zod report.
 * `rule` is CEL evaluated on the object that carries it; `check` is the same rule in TypeScript.
 */
export const MESSAGES = {
  selectorEmpty:
    "spec.selector must select something: set matchLabels or matchExpressions (an empty selector would match every pod in the namespace)",
  valuesRequired: "matchExpressions: operator In and NotIn require a non-empty values list",
  valuesForbidden: "matchExpressions: operator Exists and DoesNotExist must not have values",
  port: "endpoint.port must be a port number (1-65535) or a container port name (IANA_SVC_NAME: 1-15 lowercase letters, digits and '-', at least one letter, no leading, trailing or double '-')",
  path: "endpoint.path must start with '/' and contain no whitespace, '?' or '#'",
  pollInterval: "drain.pollIntervalSeconds must not be greater than drain.timeoutSeconds",
  settle:
    "drain.settleSeconds (default 10) must be less than drain.timeoutSeconds; set settleSeconds explicitly when timeoutSeconds is 10 or less",
  maxConcurrent:
    "budget.maxConcurrent must be an integer >= 1 or a percentage from '1%' to '100%' (e.g. '25%')",
  labelValue:
    "selector label values must be at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric",
} as const;

const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
const PERCENT = /^([1-9][0-9]?|100)%$/;
const PATH = /^[/][^\s?#]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type CelRule = { rule: string; message: string };
const cel = (...rules: CelRule[]) => ({ "x-kubernetes-validations": rules });

const labelSelectorRequirementSchema = z
  .object({
    key: z.string().min(1).max(317),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string().max(63)).max(64).optional(),
  })
  .refine((r) => !(r.operator === "In" || r.operator === "NotIn") || (r.values?.length ?? 0) > 0, {
    message: MESSAGES.valuesRequired,
    path: ["values"],
  })
  .refine(
    (r) => !(r.operator === "Exists" || r.operator === "DoesNotExist") || (r.values?.length ?? 0) === 0,
    {
      message: MESSAGES.valuesForbidden,
      path: ["values"],
    },
  )
  .meta(
    cel(
      {
        rule: "!(self.operator in ['In', 'NotIn']) || (has(self.values) && size(self.values) > 0)",
        message: MESSAGES.valuesRequired,
      },
      {
        rule: "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || size(self.values) == 0",
        message: MESSAGES.valuesForbidden,
      },
    ),
  );

export const labelSelectorSchema = z
  .object({
    matchLabels: z
      .record(z.string().min(1).max(317), z.string().max(63).regex(LABEL_VALUE, MESSAGES.labelValue))
      .optional(),
    matchExpressions: z.array(labelSelectorRequirementSchema).max(64).optional(),
  })
  .refine((s) => Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions?.length ?? 0) > 0, {
    message: MESSAGES.selectorEmpty,
  })
  .meta(
    cel({
      rule: "(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)",
      message: MESSAGES.selectorEmpty,
    }),
  );
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const portSchema = z
  .union([
    z.int().min(1, MESSAGES.port).max(65535, MESSAGES.port),
    z.string().regex(IANA_SVC_NAME, MESSAGES.port),
  ])
  .meta({
    "x-kubernetes-int-or-string": true,
    description: "Container port name or number of the quiesce endpoint.",
    ...cel({
      rule: "type(self) == int ? (self >= 1 && self <= 65535) : (self.matches('^[a-z0-9]+(-[a-z0-9]+)*$') && self.matches('[a-z]') && size(self) <= 15)",
      message: MESSAGES.port,
    }),
  });

export const secretKeyRefSchema = z.object({
  name: z.string().min(1).max(253),
  key: z.string().min(1).max(253),
});

export const endpointSchema = z
  .object({
    port: portSchema,
    path: z.string().max(1024).regex(PATH, MESSAGES.path).default(DEFAULTS.endpointPath),
    scheme: z.enum(["HTTP", "HTTPS"]).default(DEFAULTS.endpointScheme),
    tokenSecretRef: secretKeyRefSchema.optional().meta({ description: "Secret key holding a bearer token." }),
    requestTimeoutSeconds: z.int().min(1).max(60).default(DEFAULTS.requestTimeoutSeconds),
  })
  .meta({
    description: "The pod's quiesce endpoint. Without it: NotReady, then settleSeconds, then removal.",
    ...cel({ rule: "!has(self.path) || self.path.startsWith('/')", message: MESSAGES.path }),
  });
export type Endpoint = z.infer<typeof endpointSchema>;

export const drainSchema = z
  .object({
    timeoutSeconds: z.int().min(1).max(86400),
    pollIntervalSeconds: z.int().min(1).max(60).default(DEFAULTS.pollIntervalSeconds),
    settleSeconds: z.int().min(0).max(600).default(DEFAULTS.settleSeconds).meta({
      description:
        "How long after the pod has left every EndpointSlice it waits for traffic to stop when the app gives no evidence: no endpoint, an endpoint that does not answer, or no request seen since the removal began. With evidence, the settle ends as soon as the app's accepted counter has stood still for a few of its mean inter-arrival times (at least one poll interval), and goes on past settleSeconds while the counter still rises, up to maxSettleSeconds (before v0.2 it always ended at settleSeconds).",
    }),
    maxSettleSeconds: z.int().min(0).max(3600).default(DEFAULTS.maxSettleSeconds).meta({
      description:
        "While the app's accepted counter still rises after the pod left the endpoints (a load balancer that applies endpoint changes late: cloud network load balancers take 30 s to 2 min), the operator waits up to this long after leaving them, or settleSeconds if that is longer, before it asks the app to quiesce; never past the drain deadline.",
    }),
    onTimeout: z.enum(["Delete", "Keep"]).default(DEFAULTS.onTimeout),
    injectPreStop: z.boolean().default(DEFAULTS.injectPreStop),
  })
  .refine((d) => d.pollIntervalSeconds <= d.timeoutSeconds, {
    message: MESSAGES.pollInterval,
    path: ["pollIntervalSeconds"],
  })
  .refine((d) => d.settleSeconds < d.timeoutSeconds, { message: MESSAGES.settle, path: ["settleSeconds"] })
  .meta(
    cel(
      {
        rule: "!has(self.pollIntervalSeconds) || self.pollIntervalSeconds <= self.timeoutSeconds",
        message: MESSAGES.pollInterval,
      },
      {
        rule: "!has(self.settleSeconds) || self.settleSeconds < self.timeoutSeconds",
        message: MESSAGES.settle,
      },
    ),
  );
export type Drain = z.infer<typeof drainSchema>;

export const maxConcurrentSchema = z
  .union([z.int().min(1, MESSAGES.maxConcurrent), z.string().regex(PERCENT, MESSAGES.maxConcurrent)])
  .default(DEFAULTS.maxConcurrent)
  .meta({
    "x-kubernetes-int-or-string": true,
    description:
      "Pods of one workload quiescing at once: a count, or a percentage of its replicas (rounded down, at least 1).",
    ...cel({
      rule: "type(self) == int ? self >= 1 : self.matches('^([1-9][0-9]?|100)%$')",
      message: MESSAGES.maxConcurrent,
    }),
  });

export const budgetSchema = z
  .object({
    maxConcurrent: maxConcurrentSchema,
    minServing: z.int().min(0).max(10000).default(DEFAULTS.minServing),
  })
  .prefault({});
export type Budget = z.infer<typeof budgetSchema>;

export const scaleInSchema = z
  .object({
    preferIdle: z.boolean().default(DEFAULTS.preferIdle).meta({
      description:
        "Keep the controller.kubernetes.io/pod-deletion-cost annotation of each serving pod in step with its in-flight work (polled from the quiesce endpoint; needs endpoint), so a ReplicaSet scale-in removes the pods with the least work first. Turning it off removes the costs the operator wrote.",
    }),
    pollIntervalSeconds: z.int().min(1).max(3600).default(DEFAULTS.scaleInPollIntervalSeconds).meta({
      description:
        "Interval between in-flight polls of each serving pod while preferIdle is on. The cost is written only when the pod's bucket (0 idle, else floor(log2(inFlight)) + 1) changes.",
    }),
  })
  .prefault({});
export type ScaleIn = z.infer<typeof scaleInSchema>;

export const quiescePolicySpecSchema = z.object({
  selector: labelSelectorSchema,
  mode: z.enum(["Enforce", "DryRun"]).default(DEFAULTS.mode),
  endpoint: endpointSchema.optional(),
  drain: drainSchema,
  budget: budgetSchema,
  scaleIn: scaleInSchema,
});
export type QuiescePolicySpec = z.infer<typeof quiescePolicySpecSchema>;
export type QuiescePolicySpecInput = z.input<typeof quiescePolicySpecSchema>;

const count = () => z.int().min(0);

export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(["True", "False", "Unknown"]),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.iso.datetime(),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32768),
});
export type Condition = z.infer<typeof conditionSchema>;

export const activeDrainSchema = z.object({
  pod: z.string(),
  since: z.iso.datetime(),
  inFlight: count().optional(),
  phase: z.enum(DRAIN_PHASES),
});
export type ActiveDrain = z.infer<typeof activeDrainSchema>;

export const rolloutProgressSchema = z.object({
  name: z.string(),
  updated: count(),
  ready: count(),
  total: count(),
});
export type RolloutProgress = z.infer<typeof rolloutProgressSchema>;

export const quiescePolicyStatusSchema = z.object({
  observedGeneration: z.int().min(0).optional(),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  pods: z.object({ matched: count(), serving: count(), quiescing: count() }).optional(),
  drains: z.object({ completed: count(), timedOut: count() }).optional(),
  active: z.array(activeDrainSchema).optional(),
  rollouts: z.array(rolloutProgressSchema).optional(),
});
export type QuiescePolicyStatus = z.infer<typeof quiescePolicyStatusSchema>;

export const objectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
});

/** A whole QuiescePolicy object as read from the API server. */
export const quiescePolicySchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: objectMetaSchema,
  spec: quiescePolicySpecSchema,
  status: quiescePolicyStatusSchema.optional(),
});
export type QuiescePolicy = z.infer<typeof quiescePolicySchema>;

/** Parses a spec, returning a person-readable error list instead of throwing. */
export function parsePolicySpec(
  input: unknown,
): { ok: true; spec: QuiescePolicySpec } | { ok: false; errors: string[] } {
  const r = quiescePolicySpecSchema.safeParse(input);
  if (r.success) return { ok: true, spec: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`.replace("spec.: ", "spec: ")),
  };
}
