// The conformance script: the calls to a live app in a fixed order, each recorded; it leaves the app serving.
import {
  JSON_CONTENT_TYPE,
  PROTOCOL_VERSION_HEADER,
  RELEASE_CONNECTIONS_HEADER,
} from "../../../protocol/quiesce-protocol.ts";
import type { Exchange, Recording, Step, Target } from "./exchange.ts";
import { type Caller, type CallSpec, call as httpCall } from "./http-call.ts";
import { isSuccess, statusOf } from "./run-view.ts";

export interface ProbeOptions {
  /** The quiesce endpoint, e.g. http://10.0.0.7:8081/quiesce. */
  url: string;
  token?: string;
  /** The app's normal work; best one that holds the work a second or two (e.g. /work?ms=1500). */
  workUrl?: string;
  livenessUrl?: string;
  /** For each call, and for the held work to drain. */
  timeoutMs: number;
}

export interface ProbeDeps {
  call?: Caller;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Auth = "token" | "none" | "wrong" | "basic";
type EndpointCall = {
  auth?: Auth;
  version?: string | null;
  body?: string;
  contentType?: string;
  declaredLength?: number;
  releaseSeconds?: number;
};

/** A body of exactly `bytes` bytes: {"reason":"rrr…"}. */
function paddedBody(bytes: number): string {
  return JSON.stringify({ reason: "r".repeat(bytes - '{"reason":""}'.length) });
}

export async function probe(options: ProbeOptions, deps: ProbeDeps = {}): Promise<Recording> {
  const call = deps.call ?? httpCall;
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { token, workUrl, livenessUrl, timeoutMs } = options;
  const t0 = now();
  const exchanges: Exchange[] = [];

  const record = async (step: Step, target: Target, spec: CallSpec, shown: Record<string, string>) => {
    const startedMs = Math.round(now() - t0);
    const result = await call(spec);
    const { method, url, body = "", declaredLength } = spec;
    const request = {
      method,
      url,
      headers: shown,
      body,
      ...(declaredLength !== undefined ? { declaredLength } : {}),
    };
    const exchange: Exchange = { step, target, request, startedMs, ms: result.ms };
    if (result.response) exchange.response = result.response;
    if (result.error !== undefined) exchange.error = result.error;
    exchanges.push(exchange);
    return exchange;
  };

  const q = (step: Step, method: string, o: EndpointCall = {}) => {
    const headers: Record<string, string> = { Accept: JSON_CONTENT_TYPE };
    const shown: Record<string, string> = { accept: JSON_CONTENT_TYPE };
    const version = o.version === undefined ? "1" : o.version;
    if (version !== null)
      headers[PROTOCOL_VERSION_HEADER] = shown[PROTOCOL_VERSION_HEADER.toLowerCase()] = version;
    const auth = o.auth ?? "token";
    if (token !== undefined && auth !== "none") {
      headers.Authorization =
        auth === "basic" ? `Basic ${token}` : `Bearer ${auth === "wrong" ? `${token}-wrong` : token}`;
      shown.authorization = {
        token: "Bearer <token>",
        wrong: "Bearer <wrong token>",
        basic: "Basic <token>",
      }[auth];
    }
    if (o.releaseSeconds !== undefined)
      headers[RELEASE_CONNECTIONS_HEADER] = shown[RELEASE_CONNECTIONS_HEADER.toLowerCase()] = String(
        o.releaseSeconds,
      );
    if (o.body !== undefined || o.declaredLength !== undefined)
      headers["Content-Type"] = shown["content-type"] = o.contentType ?? JSON_CONTENT_TYPE;
    const spec = {
      method,
      url: options.url,
      headers,
      body: o.body,
      declaredLength: o.declaredLength,
      timeoutMs,
    };
    return record(step, "quiesce", spec, shown);
  };
  const get = (step: Step, target: Target, url: string, extra: Record<string, string> = {}) => {
    const headers = { Accept: "*/*", ...extra };
    const shown = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return record(step, target, { method: "GET", url, headers, timeoutMs }, shown);
  };
  const recording = (): Recording => ({
    url: options.url,
    token: token !== undefined,
    ...(workUrl ? { workUrl } : {}),
    ...(livenessUrl ? { livenessUrl } : {}),
    timeoutMs,
    exchanges,
  });

  const first = await q("status", "GET");
  if (!isSuccess(first)) return recording(); // nothing else can be judged
  if (statusOf(first)?.state !== "serving") await q("reset", "DELETE");
  await q("unquiesce-serving", "DELETE");
  await q("status-no-version", "GET", { version: null });
  await q("status-bad-version", "GET", { version: "2" });
  if (token !== undefined) {
    await q("auth-missing", "GET", { auth: "none" });
    await q("auth-wrong", "GET", { auth: "wrong" });
    await q("auth-scheme", "GET", { auth: "basic" });
    await q("auth-post-missing", "POST", { auth: "none" });
  }
  await q("method-put", "PUT");
  await q("body-too-large", "POST", { body: paddedBody(2048) });
  await q("body-declared-large", "POST", { declaredLength: 1024 * 1024 });
  await q("body-media-type", "POST", { body: "reason=conformance", contentType: "text/plain" });
  await q("body-malformed", "POST", { body: "{oops" });
  await q("body-not-object", "POST", { body: '["reason"]' });
  await q("body-reason-type", "POST", { body: '{"reason":5}' });
  await q("body-reason-long", "POST", { body: JSON.stringify({ reason: "r".repeat(257) }) });
  // After a rejected call that changed state (errors-change-nothing fails), put it right so later rules stand alone.
  if (statusOf(await q("status-after-errors", "GET"))?.state !== "serving") await q("resume", "DELETE");
  if (livenessUrl) await get("liveness-serving", "liveness", livenessUrl);
  if (workUrl) {
    // The settle's release (§7): still serving, but a keep-alive request is answered with Connection: close.
    await q("status-release", "GET", { releaseSeconds: 30 });
    await get("work-released", "work", workUrl, { Connection: "keep-alive" });
    await q("release-end", "DELETE");
  }

  let held: Promise<Exchange> | undefined;
  if (workUrl) {
    let done = false;
    held = get("work-held", "work", workUrl).finally(() => {
      done = true;
    });
    const deadline = now() + timeoutMs;
    for (;;) {
      const poll = statusOf(await q("status-working", "GET"));
      if (!poll || poll.inFlight >= 1 || now() > deadline) break;
      if (done) {
        await q("status-working", "GET"); // a reading that surely follows the work's arrival
        break;
      }
      await sleep(20);
    }
  }
  await q("quiesce", "POST", {
    body: JSON.stringify({ reason: "conformance", "x-conformance": { unknown: true } }),
  });
  await q("quiesce-again", "POST");
  await q("status-quiescing", "GET");
  if (workUrl) {
    await get("work-refused", "work", workUrl);
    await q("status-after-refusal", "GET");
  }
  if (livenessUrl) await get("liveness-quiescing", "liveness", livenessUrl);
  if (token !== undefined) await q("auth-delete-missing", "DELETE", { auth: "none" });
  await q("unquiesce-bad-version", "DELETE", { version: "2" });
  if (statusOf(await q("status-after-quiescing-errors", "GET"))?.state === "serving")
    await q("requiesce", "POST");

  const deadline = now() + timeoutMs;
  let drained = false;
  for (;;) {
    const reading = statusOf(await q("status-draining", "GET"));
    drained = reading?.state === "drained";
    if (!reading || reading.inFlight === 0 || now() > deadline) break;
    await sleep(50);
  }
  await held;
  if (drained) await q("quiesce-drained", "POST", { body: JSON.stringify({ reason: "conformance" }) });
  if (livenessUrl) await get("liveness-drained", "liveness", livenessUrl);
  await q("unquiesce", "DELETE");
  await q("unquiesce-again", "DELETE", { body: "{}" });
  const final = await q("status-final", "GET");
  if (workUrl) await get("work-after", "work", workUrl);
  if (statusOf(final)?.state !== "serving") await q("cleanup", "DELETE");
  return recording();
}
