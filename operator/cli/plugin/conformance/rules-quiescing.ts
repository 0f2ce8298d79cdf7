// Rules on what the app does while quiescing (§7): refuse new work, finish the old, keep liveness green; serve again.
import type { Step } from "./exchange.ts";
import {
  described,
  fail,
  firstFailure,
  got,
  isSuccess,
  PASS,
  type Rule,
  type Run,
  skip,
  statusOf,
} from "./run-view.ts";

const noWorkUrl = () => skip("no --work-url given");

/** The refused work request, or a verdict when there is none to judge. */
function refusal(run: Run) {
  if (!run.recording.workUrl) return noWorkUrl();
  const x = run.one("work-refused");
  if (!x) return skip("no work was sent while quiescing");
  if (x.response?.status !== 503) return skip("the new work was not refused (see refuses-work)");
  return x;
}

/** The statuses read right before and right after the refused request, or why a rule cannot judge it. */
function aroundRefusal(run: Run) {
  const x = refusal(run);
  if (!("step" in x)) return x;
  const before = statusOf(run.one("status-quiescing"));
  const after = statusOf(run.one("status-after-refusal"));
  if (!before || !after) return skip("no status before and after the refusal");
  return { before, after };
}

export const QUIESCING_RULES: Rule[] = [
  {
    id: "release-connections",
    section: "§7",
    level: "SHOULD",
    title: "after a GET with Quiesce-Release-Connections the app still serves, with Connection: close",
    check(run) {
      if (!run.recording.workUrl) return noWorkUrl();
      const poll = run.one("status-release");
      const work = run.one("work-released");
      if (!poll || !work) return skip("no release was asked");
      const state = statusOf(poll)?.state;
      if (state !== "serving")
        return fail(`${described(poll)} ${got(poll)}; a release is no quiesce: the state must stay serving`);
      if (!isSuccess(work))
        return fail(
          `${described(work)} ${got(work)}; while connections are released new work is still served`,
        );
      return work.response?.headers.connection?.toLowerCase() === "close"
        ? PASS
        : fail(
            `${described(work)} kept the connection open (Connection: ${work.response?.headers.connection ?? "absent"}); pooled clients pinned to a settling pod keep sending to it`,
          );
    },
  },
  {
    id: "refuses-work",
    section: "§7.1",
    level: "MUST",
    title: "new work while quiescing is refused with 503 and Retry-After (seconds)",
    check(run) {
      if (!run.recording.workUrl) return noWorkUrl();
      const x = run.one("work-refused");
      if (!x) return skip("no work was sent while quiescing");
      const retryAfter = x.response?.headers["retry-after"];
      if (x.response?.status === 503 && retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()))
        return PASS;
      if (x.response?.status === 503)
        return fail(
          `${described(x)} answered 503 with Retry-After ${retryAfter === undefined ? "missing" : `"${retryAfter}"`}; expected a number of seconds`,
        );
      return fail(
        `${described(x)} ${got(x)}; expected 503 with Retry-After: a quiescing app must refuse new work`,
      );
    },
  },
  {
    id: "refusal-uncounted",
    section: "§7.1",
    level: "MUST",
    title: "a refusal counts neither in accepted nor in inFlight",
    check(run) {
      const around = aroundRefusal(run);
      if (!("after" in around)) return around;
      const { before, after } = around;
      return firstFailure([
        after.accepted > before.accepted
          ? `accepted rose from ${before.accepted} to ${after.accepted} across a refused request`
          : undefined,
        after.inFlight > before.inFlight
          ? `inFlight rose from ${before.inFlight} to ${after.inFlight} across a refused request`
          : undefined,
      ]);
    },
  },
  {
    id: "refusal-counted",
    section: "§7.1",
    level: "SHOULD",
    title: "a refusal counts in refused",
    check(run) {
      const around = aroundRefusal(run);
      if (!("after" in around)) return around;
      const { before, after } = around;
      if (after.refused === undefined)
        return fail("the status has no refused counter: the operator cannot see traffic that still arrives");
      return after.refused > (before.refused ?? 0)
        ? PASS
        : fail(`refused stayed at ${after.refused} across a refused request`);
    },
  },
  {
    id: "refusal-close",
    section: "§7.1",
    level: "SHOULD",
    title: "a refusal carries Connection: close",
    check(run) {
      const x = refusal(run);
      if (!("step" in x)) return x;
      return x.response?.headers.connection?.toLowerCase() === "close"
        ? PASS
        : fail(`${described(x)} answered 503 without Connection: close`);
    },
  },
  {
    id: "finishes-work",
    section: "§7.2",
    level: "MUST",
    title: "work in flight at the quiesce finishes normally",
    check(run) {
      if (!run.recording.workUrl) return noWorkUrl();
      const work = run.one("work-held");
      const post = run.one("quiesce");
      if (!work || !post) return skip("no work was held across the quiesce");
      if (work.startedMs + work.ms <= post.startedMs + post.ms)
        return skip(
          "the work at --work-url ended before the quiesce: give a URL that holds work (e.g. ?ms=2000)",
        );
      return isSuccess(work)
        ? PASS
        : fail(`${described(work)} ${got(work)}; work in flight must finish normally while quiescing`);
    },
  },
  {
    id: "liveness",
    section: "§7.4",
    level: "MUST",
    title: "liveness answers 200 while quiescing and drained",
    check(run) {
      if (!run.recording.livenessUrl) return skip("no --liveness-url given");
      const steps: Step[] = ["liveness-serving", "liveness-quiescing", "liveness-drained"];
      return firstFailure(
        steps
          .flatMap((s) => run.all(s))
          .map((x) => (x.response?.status === 200 ? undefined : `${described(x)} ${got(x)}; expected 200`)),
      );
    },
  },
  {
    id: "serves-after-delete",
    section: "§4",
    level: "MUST",
    title: "after DELETE, new work is served again",
    check(run) {
      if (!run.recording.workUrl) return noWorkUrl();
      const x = run.one("work-after");
      if (!x) return skip("no work was sent after the DELETE");
      return isSuccess(x) ? PASS : fail(`${described(x)} ${got(x)}; expected a 2xx answer`);
    },
  },
];
