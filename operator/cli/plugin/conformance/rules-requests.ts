// Rules on requests and their answers: verbs and success codes (§1), protocol versions and request bodies (§2).
import type { Exchange, Step } from "./exchange.ts";
import {
  described,
  expectError,
  fail,
  firstFailure,
  got,
  isSuccess,
  PASS,
  type Rule,
  type Run,
  skip,
  statusBodyProblem,
  statusOf,
} from "./run-view.ts";

const GETS: Step[] = [
  "status-after-errors",
  "status-working",
  "status-quiescing",
  "status-after-refusal",
  "status-after-quiescing-errors",
  "status-draining",
  "status-final",
];

function wrongStatus(x: Exchange, status: number): string | undefined {
  return x.response?.status === status && statusOf(x)
    ? undefined
    : `${described(x)} ${got(x)}; expected ${status} with the status body`;
}

function expectSuccess(run: Run, steps: Step[], status: number) {
  return firstFailure(steps.flatMap((s) => run.all(s)).map((x) => wrongStatus(x, status)));
}

function accepts(run: Run, step: Step, why: string) {
  const x = run.one(step);
  if (!x) return skip(`${step} was not made`);
  return isSuccess(x) ? PASS : fail(`${described(x)} ${got(x)}; ${why}`);
}

export const REQUEST_RULES: Rule[] = [
  {
    id: "reachable",
    section: "§1",
    level: "MUST",
    title: "GET answers 200 with the status body",
    check(run) {
      const x = run.one("status");
      if (x && x.response?.status === 200 && statusOf(x)) return PASS;
      if (x && isSuccess(x))
        return fail(`${described(x)} answered ${x.response.status}, but ${statusBodyProblem(x)}`);
      const hint =
        x?.response?.status === 401 && !run.recording.token
          ? " (the app wants a token: pass --token or --token-file)"
          : !x?.response
            ? ` (is ${run.recording.url} the quiesce endpoint of a running app?)`
            : "";
      return fail(
        `${x ? described(x) : "the first GET"} ${got(x)}; expected 200 with the status body${hint}`,
      );
    },
  },
  {
    id: "get-200",
    section: "§1",
    level: "MUST",
    title: "every GET answers 200 with the status body",
    check: (run) => expectSuccess(run, GETS, 200),
  },
  {
    id: "post-202",
    section: "§1",
    level: "MUST",
    title: "POST (quiesce) answers 202",
    check: (run) =>
      firstFailure([
        ...run
          .all("quiesce")
          .filter(isSuccess)
          .map((x) => wrongStatus(x, 202)), // a rejection: body-unknown-fields
        ...(["quiesce-again", "requiesce", "quiesce-drained"] as const).flatMap((s) =>
          run.all(s).map((x) => wrongStatus(x, 202)),
        ),
      ]),
  },
  {
    id: "delete-200",
    section: "§1",
    level: "MUST",
    title: "DELETE (unquiesce) answers 200",
    check: (run) => expectSuccess(run, ["reset", "unquiesce-serving", "resume", "unquiesce", "cleanup"], 200),
  },
  {
    id: "version-absent",
    section: "§2",
    level: "MUST",
    title: "a request without Quiesce-Protocol-Version is treated as version 1",
    check: (run) => expectSuccess(run, ["status-no-version"], 200),
  },
  {
    id: "version-other",
    section: "§2",
    level: "MUST",
    title: "any other Quiesce-Protocol-Version is answered 400 unsupported-protocol-version",
    check: (run) =>
      firstFailure(
        (["status-bad-version", "unquiesce-bad-version"] as const).map((s) =>
          expectError(run.one(s), 400, "unsupported-protocol-version"),
        ),
      ),
  },
  {
    id: "body-unknown-fields",
    section: "§2",
    level: "MUST",
    title: "unknown fields of the POST body are ignored",
    check: (run) => accepts(run, "quiesce", "unknown fields MUST be ignored"),
  },
  {
    id: "body-empty",
    section: "§2",
    level: "MUST",
    title: "an empty body is the same as {}",
    check: (run) => accepts(run, "quiesce-again", "an empty body MUST be accepted as {}"),
  },
  {
    id: "delete-body",
    section: "§2",
    level: "SHOULD",
    title: "DELETE accepts a JSON body like POST",
    check: (run) => accepts(run, "unquiesce-again", "a DELETE with the body {} should be accepted"),
  },
  {
    id: "body-413",
    section: "§2",
    level: "MUST",
    title: "a body over 1024 bytes is answered 413 body-too-large",
    check: (run) => firstFailure([expectError(run.one("body-too-large"), 413, "body-too-large")]),
  },
  {
    id: "body-413-unread",
    section: "§2",
    level: "MUST",
    title: "a declared Content-Length over 1024 is answered 413 before the body is read",
    check(run) {
      const x = run.one("body-declared-large");
      if (x && !x.response)
        return fail(
          `${described(x)} ${got(x)}: the app waited for the body; it must answer 413 from the Content-Length alone`,
        );
      return firstFailure([expectError(x, 413, "body-too-large")]);
    },
  },
];
