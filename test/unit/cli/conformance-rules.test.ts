// The conformance rules over recordings of an in-memory app: a conforming app passes all, each fault fails its rules.
import { describe, expect, it } from "vitest";
import { probe } from "../../../operator/cli/plugin/conformance/probe.ts";
import { evaluate, RULES, type RuleResult } from "../../../operator/cli/plugin/conformance/rules.ts";
import { FAULTS, type Fault, fakeApp, URLS } from "./conformance-fake-app.ts";

const TOKEN = "s3cret";
const ids = (results: RuleResult[], outcome: RuleResult["outcome"]) =>
  results.filter((r) => r.outcome === outcome).map((r) => r.id);

async function run(faults: Fault[] = []): Promise<RuleResult[]> {
  const recording = await probe(
    { ...URLS, token: TOKEN, timeoutMs: 2000 },
    { call: fakeApp({ token: TOKEN, faults }) },
  );
  return evaluate(recording);
}

/** Each fault of the fake app, and exactly the rules it must fail. */
const EXPECTED: Record<Fault, string[]> = {
  "no-version-header": ["version-header"],
  "put-200": ["method-405"],
  "accepted-resets": ["counters-monotonic"],
  "serves-while-quiescing": ["refuses-work"],
  "drained-with-inflight": ["state-table"],
  "never-drained": ["state-table", "drains"],
  "post-200": ["post-202"],
  "no-auth": ["auth-required", "errors-change-nothing"],
  "no-challenge": ["auth-challenge"],
  "version-ignored": ["version-other", "errors-change-nothing"],
  "reads-declared-body": ["body-413-unread"],
  "413-as-400": ["body-413"],
  "415-as-400": ["media-415"],
  "malformed-code": ["malformed-400"],
  "unknown-fields-rejected": ["body-unknown-fields"],
  "delete-body-rejected": ["delete-body"],
  "refusal-counted-in-accepted": ["refusal-uncounted"],
  "no-refused": ["refusal-counted"],
  "no-retry-after": ["refuses-work"],
  "liveness-fails-quiescing": ["liveness"],
  "cuts-work": ["finishes-work"],
  "no-inflight": ["inflight-counts"],
  "no-accepted": ["accepted-counts"],
  "text-content-type": ["status-body"],
  "no-no-store": ["no-store"],
  "classes-off": ["classes-sum"],
  "errors-keep-alive": ["error-close"],
  "rejected-delete-resumes": ["errors-change-nothing"],
  "keeps-connections-on-release": ["release-connections"],
  "release-quiesces": ["release-connections"],
};

describe("conformance rules", () => {
  it("has unique ids, a section and a level for every rule", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.section).toMatch(/^§\d(\.\d)?$/);
    expect(RULES.filter((r) => r.level === "MUST").length).toBeGreaterThan(25);
  });

  it("passes a conforming app on every rule, skipping none", async () => {
    const results = await run();
    expect(ids(results, "fail")).toEqual([]);
    expect(ids(results, "skip")).toEqual([]);
  });

  it.concurrent.each(
    FAULTS.map((f) => [f, EXPECTED[f]] as const),
  )("%s fails exactly %j", async (fault, rules) => {
    const results = await run([fault]);
    expect(ids(results, "fail").sort()).toEqual([...rules].sort());
    for (const r of results.filter((x) => x.outcome === "fail")) expect(r.message).toMatch(/\S{3}/);
  });

  it("says what was expected and what came back", async () => {
    const byId = new Map(
      (await run(["put-200", "accepted-resets", "serves-while-quiescing"])).map((r) => [r.id, r]),
    );
    expect(byId.get("method-405")?.message).toMatch(
      /^PUT answered 200 \{"state":"serving".*expected 405 with \{"error":"method-not-allowed"\}$/,
    );
    expect(byId.get("counters-monotonic")?.message).toMatch(
      /^accepted went down from \d+ \(.+\) to 0 \(DELETE while quiesced\); it must never decrease/,
    );
    expect(byId.get("refuses-work")?.message).toMatch(
      /^new work while quiescing answered 200 .*expected 503 with Retry-After/,
    );
    expect(byId.get("refusal-uncounted")).toMatchObject({
      outcome: "skip",
      message: expect.stringContaining("see refuses-work"),
    });
  });

  it("skips what it was given no means to check", async () => {
    const recording = await probe({ url: URLS.url, timeoutMs: 2000 }, { call: fakeApp() });
    const results = evaluate(recording);
    expect(ids(results, "fail")).toEqual([]);
    expect(ids(results, "skip").sort()).toEqual(
      [
        "accepted-counts",
        "auth-challenge",
        "auth-required",
        "finishes-work",
        "inflight-counts",
        "liveness",
        "refusal-close",
        "refusal-counted",
        "refusal-uncounted",
        "refuses-work",
        "release-connections",
        "serves-after-delete",
      ].sort(),
    );
  });

  it("stops at the first GET when it gets no status, with a hint", async () => {
    const recording = await probe({ ...URLS, timeoutMs: 2000 }, { call: fakeApp({ token: TOKEN }) });
    expect(recording.exchanges).toHaveLength(1);
    const [first, ...rest] = evaluate(recording);
    expect(first).toMatchObject({ id: "reachable", outcome: "fail" });
    expect(first?.message).toMatch(/answered 401 .*pass --token or --token-file/);
    expect(rest.every((r) => r.outcome === "skip")).toBe(true);
    const refused = evaluate(
      await probe({ url: "http://nothing.test/quiesce", timeoutMs: 100 }, { call: fakeApp() }),
    );
    expect(refused[0]?.message).toMatch(
      /failed: connect ECONNREFUSED .*is http:\/\/nothing.test\/quiesce the quiesce endpoint/,
    );
  });

  it("never records the token, and leaves the app serving", async () => {
    const call = fakeApp({ token: TOKEN });
    const recording = await probe({ ...URLS, token: TOKEN, timeoutMs: 2000 }, { call });
    expect(JSON.stringify(recording)).not.toContain(TOKEN);
    expect(recording.exchanges.map((x) => x.request.headers.authorization)).toContain("Bearer <wrong token>");
    const after = await call({
      method: "GET",
      url: URLS.url,
      headers: { Authorization: `Bearer ${TOKEN}` },
      timeoutMs: 100,
    });
    expect(JSON.parse(after.response?.body ?? "{}")).toMatchObject({ state: "serving" });
  });

  it("judges recorded exchanges: a first status whose inFlight is a string", async () => {
    const recording = await probe({ ...URLS, timeoutMs: 2000 }, { call: fakeApp() });
    const first = recording.exchanges[0];
    if (first?.response)
      first.response = { ...first.response, body: '{"state":"serving","inFlight":"0","accepted":0}' };
    const results = evaluate(recording);
    expect(ids(results, "fail").sort()).toEqual(["reachable", "status-body"]);
    expect(results[0]?.message).toMatch(/^the first GET answered 200, but "inFlight": .*number/);
  });

  it("judges recorded exchanges: an error answer that is not JSON", async () => {
    const recording = await probe(
      { ...URLS, token: TOKEN, timeoutMs: 2000 },
      { call: fakeApp({ token: TOKEN }) },
    );
    const put = recording.exchanges.find((x) => x.step === "method-put");
    if (put?.response)
      put.response = {
        ...put.response,
        headers: { ...put.response.headers, "content-type": "text/plain" },
        body: "nope",
      };
    const results = evaluate(recording);
    expect(ids(results, "fail").sort()).toEqual(["error-body", "method-405"]);
    expect(results.find((r) => r.id === "error-body")?.message).toBe(
      "PUT answered 405 nope: not {error, message}",
    );
  });
});
