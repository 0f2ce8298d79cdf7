// Records Kubernetes Events (core/v1) on pods and policies, the way kubectl describe shows them.
import type { CoreV1Api } from "@kubernetes/client-node";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
}

export function eventRecorder(
  core: CoreV1Api,
  component: string,
  onError: (error: unknown) => void,
): EventRecorder {
  return {
    async record(target, type, reason, message) {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: { generateName: `${target.name}.`, namespace: target.namespace },
            involvedObject: {
              apiVersion: target.apiVersion,
              kind: target.kind,
              namespace: target.namespace,
              name: target.name,
              uid: target.uid,
            },
            type,
            reason,
            message: message.slice(0, 1024),
            source: { component },
            reportingComponent: component,
            reportingInstance: process.env.POD_NAME ?? component,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (error) {
        onError(error); // an Event is best effort: never fail a drain over it
      }
    },
  };
}
