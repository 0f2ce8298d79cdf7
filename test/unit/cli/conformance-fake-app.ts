// An in-memory app for the conformance kit's unit tests: a Caller that speaks the protocol, with named faults.
import type { Caller, CallResult, CallSpec } from "../../../operator/cli/plugin/conformance/http-call.ts";
import type { PluginIo } from "../../../operator/cli/plugin/io.ts";

export const FAULTS = [
  "no-version-header",
  "put-200",
  "accepted-resets",
  "serves-while-quiescing",
  "drained-with-inflight",
  "never-drained",
  "post-200",
  "no-auth",
  "no-challenge",
  "version-ignored",
  "reads-declared-body",
  "413-as-400",
  "415-as-400",
  "malformed-code",
  "unknown-fields-rejected",
  "delete-body-rejected",
  "refusal-counted-in-accepted",
  "no-refused",
  "no-retry-after",
  "liveness-fails-quiescing",
  "cuts-work",
  "no-inflight",
  "no-accepted",
  "text-content-type",
  "no-no-store",
  "classes-off",
  "errors-keep-alive",
  "rejected-delete-resumes",
  "keeps-connections-on-release",
  "release-quiesces",
] as const;
export type Fault = (typeof FAULTS)[number];

export const URLS = {
  url: "http://app.test:8081/quiesce",
  workUrl: "http://app.test:8080/work?ms=40",
  livenessUrl: "http://app.test:8081/healthz",
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function fakeApp(options: { token?: string; faults?: Fault[]; holdMs?: number } = {}): Caller {
  const has = (f: Fault) => options.faults?.includes(f) ?? false;
  let quiescing = false;
  let inFlight = 0;
  let accepted = 0;
  let refused = 0;
  let released = false;

  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): CallResult => ({
    response: {
      status,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
    ms: 1,
  });
  const protocol = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const base: Record<string, string> = has("no-no-store") ? {} : { "cache-control": "no-store" };
    if (!has("no-version-header")) base["quiesce-protocol-version"] = "1";
    if (has("text-content-type")) base["content-type"] = "text/plain";
    return answer(status, body, { ...base, ...headers });
  };
  const error = (status: number, code: string, headers: Record<string, string> = {}) =>
    protocol(
      status,
      { error: code, message: code },
      has("errors-keep-alive") ? headers : { connection: "close", ...headers },
    );
  const status = () => {
    const state = !quiescing ? "serving" : inFlight > 0 || has("never-drained") ? "quiescing" : "drained";
    const shown = has("drained-with-inflight") && quiescing ? "drained" : state;
    return {
      state: shown,
      inFlight,
      accepted,
      ...(has("no-refused") ? {} : { refused }),
      classes: { sync: has("classes-off") ? inFlight + 1 : inFlight },
    };
  };

  const endpoint = (spec: CallSpec): CallResult => {
    const h = Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (options.token && !has("no-auth") && h.authorization !== `Bearer ${options.token}`)
      return error(
        401,
        "unauthorized",
        has("no-challenge") ? {} : { "www-authenticate": 'Bearer realm="quiesce"' },
      );
    const method = has("put-200") && spec.method === "PUT" ? "GET" : spec.method;
    if (!["GET", "POST", "DELETE"].includes(method))
      return error(405, "method-not-allowed", { allow: "GET, POST, DELETE" });
    const version = h["quiesce-protocol-version"];
    if (version !== undefined && version !== "1") {
      if (has("rejected-delete-resumes") && method === "DELETE") quiescing = false;
      if (!has("version-ignored")) return error(400, "unsupported-protocol-version");
    }
    if ((spec.declaredLength ?? 0) > 1024)
      return has("reads-declared-body")
        ? { error: "no complete answer within 10 s", ms: 10_000 }
        : error(413, "body-too-large");
    const body = spec.body ?? "";
    if (body.length > 1024)
      return has("413-as-400") ? error(400, "malformed-body") : error(413, "body-too-large");
    if (body !== "") {
      if (method === "DELETE" && has("delete-body-rejected")) return error(415, "unsupported-media-type");
      if (h["content-type"] !== "application/json")
        return has("415-as-400") ? error(400, "malformed-body") : error(415, "unsupported-media-type");
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const reason =
        typeof parsed === "object" && parsed !== null
          ? Object.entries(parsed).find(([k]) => k === "reason")?.[1]
          : 0;
      if (
        typeof parsed !== "object" ||
        parsed === null ||
        Array.isArray(parsed) ||
        (reason !== undefined && (typeof reason !== "string" || reason.length > 256))
      )
        return error(400, has("malformed-code") ? "bad-request" : "malformed-body");
      if (has("unknown-fields-rejected") && Object.keys(parsed).some((k) => k !== "reason"))
        return error(400, "malformed-body");
    }
    if (method === "POST") quiescing = true;
    if (method === "GET" && Number(h["quiesce-release-connections"]) > 0) {
      released = true;
      if (has("release-quiesces")) quiescing = true;
    }
    if (method === "DELETE") {
      quiescing = false;
      released = false;
      if (has("accepted-resets")) accepted = 0;
    }
    return protocol(method === "POST" ? (has("post-200") ? 200 : 202) : 200, status());
  };

  const work = async (): Promise<CallResult> => {
    const started = performance.now();
    if (quiescing && !has("serves-while-quiescing")) {
      refused++;
      if (has("refusal-counted-in-accepted")) accepted++;
      return answer(
        503,
        { error: "quiescing" },
        { connection: "close", ...(has("no-retry-after") ? {} : { "retry-after": "5" }) },
      );
    }
    if (!has("no-accepted")) accepted++;
    if (!has("no-inflight")) inFlight++;
    await sleep(options.holdMs ?? 40);
    if (!has("no-inflight")) inFlight--;
    const ms = Math.round(performance.now() - started);
    return quiescing && has("cuts-work")
      ? { error: "socket hang up", ms }
      : {
          ...answer(
            200,
            { work: "done" },
            released && !has("keeps-connections-on-release") ? { connection: "close" } : {},
          ),
          ms,
        };
  };

  return async (spec) => {
    if (spec.url === URLS.url) return endpoint(spec);
    if (spec.url === URLS.workUrl) return work();
    if (spec.url === URLS.livenessUrl)
      return quiescing && has("liveness-fails-quiescing")
        ? answer(503, { live: false })
        : answer(200, { live: true });
    return { error: `connect ECONNREFUSED ${spec.url}`, ms: 1 };
  };
}

/** A PluginIo that keeps what the command prints. */
export function bufferIo(): PluginIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    progress: () => {},
    endProgress: () => {},
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
