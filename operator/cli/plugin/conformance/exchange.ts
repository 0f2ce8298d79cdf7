// What a conformance run records: each HTTP exchange with the app, tagged with the step of the script that made it.

/** The script's steps, in the order the probe runs them (docs/protocol.md §10). */
export const STEP_LABELS = {
  status: "the first GET",
  reset: "DELETE before the run (the app was not serving)",
  "unquiesce-serving": "DELETE while serving",
  "status-no-version": "GET without Quiesce-Protocol-Version",
  "status-bad-version": "GET with Quiesce-Protocol-Version: 2",
  "auth-missing": "GET without Authorization",
  "auth-wrong": "GET with a wrong bearer token",
  "auth-scheme": "GET with the token under the Basic scheme",
  "auth-post-missing": "POST without Authorization",
  "method-put": "PUT",
  "body-too-large": "POST with a 2048-byte body",
  "body-declared-large": "POST declaring a 1 MiB body and sending none",
  "body-media-type": "POST with a text/plain body",
  "body-malformed": "POST with a body that is not JSON",
  "body-not-object": "POST with a JSON array",
  "body-reason-type": 'POST with {"reason": 5}',
  "body-reason-long": "POST with a 257-character reason",
  "status-after-errors": "GET after the rejected calls",
  resume: "DELETE to resume (a rejected call quiesced the app)",
  "liveness-serving": "liveness while serving",
  "status-release": "GET with Quiesce-Release-Connections: 30 while serving",
  "work-released": "work on a keep-alive request while connections are released",
  "release-end": "DELETE to end the release",
  "work-held": "the work request held across the quiesce",
  "status-working": "GET while that work runs",
  quiesce: "POST with an unknown field",
  "quiesce-again": "a second POST, without a body",
  "status-quiescing": "GET after the POST",
  "work-refused": "new work while quiescing",
  "status-after-refusal": "GET after the refused work",
  "liveness-quiescing": "liveness while quiescing",
  "auth-delete-missing": "DELETE without Authorization while quiescing",
  "unquiesce-bad-version": "DELETE with Quiesce-Protocol-Version: 2 while quiescing",
  "status-after-quiescing-errors": "GET after the rejected DELETEs",
  requiesce: "POST again (a rejected DELETE resumed the app)",
  "status-draining": "GET while waiting for inFlight 0",
  "quiesce-drained": "POST while drained",
  "liveness-drained": "liveness while drained",
  unquiesce: "DELETE while quiesced",
  "unquiesce-again": "a second DELETE, with the body {}",
  "status-final": "GET after the DELETE",
  "work-after": "work after the DELETE",
  cleanup: "DELETE to leave the app serving",
} as const;
export type Step = keyof typeof STEP_LABELS;

export type Target = "quiesce" | "work" | "liveness";

export interface RecordedRequest {
  method: string;
  url: string;
  /** Header names lower-case; Authorization is recorded as a description (`Bearer <token>`), never the token. */
  headers: Record<string, string>;
  body: string;
  /** A Content-Length sent without the body behind it. */
  declaredLength?: number;
}

export interface RecordedResponse {
  status: number;
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface Exchange {
  step: Step;
  target: Target;
  request: RecordedRequest;
  /** Absent when the call failed: no connection, no complete answer in time, a body over 64 KiB. */
  response?: RecordedResponse;
  error?: string;
  /** Milliseconds from the start of the run to the request, and how long the call took. */
  startedMs: number;
  ms: number;
}

export interface Recording {
  url: string;
  token: boolean;
  workUrl?: string;
  livenessUrl?: string;
  timeoutMs: number;
  /** In the order the answers came back (calls to the quiesce endpoint are made one at a time). */
  exchanges: Exchange[];
}
