// The webhook layer's public entry points: certificates, server, handlers, pure decisions, configurations.

export { type LabelSelector, selectorMatches } from "../api/label-selector.ts";
export {
  type AdmissionHandler,
  createMutatePodsHandler,
  createPodDeletionHandler,
  type MutatePodsDeps,
  type PodDeletionDeps,
  type PolicyLister,
} from "./admission-handlers.ts";
export type { AdmissionRequest, AdmissionVerdict } from "./admission-review.ts";
export {
  type CertificateFiles,
  type CertificatePair,
  type CertificateSource,
  type CertificateSourceOptions,
  createCertificateSource,
  type GeneratedCertificates,
  generateWebhookCertificates,
  writeWebhookCertificates,
} from "./certificates.ts";
export {
  buildWebhookConfigurations,
  installWebhookConfigurations,
  removeWebhookConfigurations,
  type ServiceTarget,
  type UrlTarget,
  WEBHOOK_CONFIGURATION_NAME,
  type WebhookConfigurationOptions,
  type WebhookConfigurations,
} from "./configurations.ts";
export {
  type AllowReason,
  type BreakGlassEffect,
  type DryRunReportEffect,
  decideDeletion,
  drainMessage,
  type GateDecision,
  type GateEffect,
  type GateInput,
  type GateUser,
  type PodRef,
  type StartDrainEffect,
} from "./deletion-gate.ts";
export { type JsonPatchAdd, mutatePod, type PodMutation } from "./mutate-pod.ts";
export { BREAK_GLASS_ANNOTATION, breakGlassReason } from "./pod-state.ts";
export {
  createWebhookServer,
  HEALTHZ_PATH,
  MUTATE_PODS_PATH,
  VALIDATE_POD_DELETION_PATH,
  type WebhookName,
  type WebhookResult,
  type WebhookServer,
  type WebhookServerOptions,
} from "./server.ts";
