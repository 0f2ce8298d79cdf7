// The Pod of an AdmissionReview, parsed leniently; it satisfies the API layer's PodView.
import { z } from "zod";

const stringMap = z.record(z.string(), z.string()).nullish();

/** Lenient schema of a Pod as the API server sends it in an AdmissionReview; unknown fields are kept. */
export const admissionPodSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().nullish(),
      generateName: z.string().nullish(),
      namespace: z.string().nullish(),
      uid: z.string().nullish(),
      labels: stringMap,
      annotations: stringMap,
      deletionTimestamp: z.string().nullish(),
    })
    .nullish(),
  spec: z
    .looseObject({
      containers: z.array(
        z.looseObject({
          name: z.string(),
          lifecycle: z.looseObject({ preStop: z.unknown().optional() }).nullish(),
        }),
      ),
      readinessGates: z.array(z.looseObject({ conditionType: z.string() })).nullish(),
      terminationGracePeriodSeconds: z.number().nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).nullish(),
    })
    .nullish(),
});
export type AdmissionPod = z.infer<typeof admissionPodSchema>;
