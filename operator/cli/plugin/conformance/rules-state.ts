// Rules on the status body (§3) and the state table and its transitions (§4), over every status the app sent.
import { PROTOCOL_VERSION_HEADER, type QuiesceStatus } from "../../../protocol/quiesce-protocol.ts";
import type { Exchange, Step } from "./exchange.ts";
import {
  described,
  fail,
  firstFailure,
  got,
  hasVersionHeader,
  isSuccess,
  PASS,
  type Rule,
  type Run,
  skip,
  statusBodyProblem,
  statusOf,
} from "./run-view.ts";

/** A failure when the answer to `step` says "serving" (or the opposite), else undefined. */
function stateIs(run: Run, step: Step, wanted: "serving" | "quiesced", why: string): string | undefined {
  const x = run.one(step);
  const status = statusOf(x);
  if (!x || !status) return undefined; // get-200, post-202 and delete-200 report missing or failed calls
  const ok = wanted === "serving" ? status.state === "serving" : status.state !== "serving";
  return ok ? undefined : `${described(x)} answered "${status.state}"; ${why}`;
}

function counterDrop(
  prev: { exchange: Exchange; status: QuiesceStatus },
  next: { exchange: Exchange; status: QuiesceStatus },
  name: "accepted" | "refused",
): string | undefined {
  const a = prev.status[name];
  const b = next.status[name];
  if (a === undefined || b === undefined || b >= a) return undefined;
  return `${name} went down from ${a} (${described(prev.exchange)}) to ${b} (${described(next.exchange)}); it must never decrease while the process runs`;
}

export const STATE_RULES: Rule[] = [
  {
    id: "status-body",
    section: "§3",
    level: "MUST",
    title: "every 2xx answer is application/json with a valid status body",
    check: (run) =>
      firstFailure(
        run.endpointCalls.filter(isSuccess).map((x) => {
          const problem = statusBodyProblem(x);
          return problem ? `${described(x)} answered ${x.response.status}, but ${problem}` : undefined;
        }),
      ),
  },
  {
    id: "version-header",
    section: "§3",
    level: "MUST",
    title: "every answer, errors too (§6), carries Quiesce-Protocol-Version: 1",
    check: (run) =>
      firstFailure(
        run.endpointCalls.map((x) => {
          if (!x.response || hasVersionHeader(x)) return undefined;
          const value = x.response.headers[PROTOCOL_VERSION_HEADER.toLowerCase()];
          return `${described(x)} answered ${x.response.status} ${value === undefined ? `without ${PROTOCOL_VERSION_HEADER}` : `with ${PROTOCOL_VERSION_HEADER}: ${value}`}; expected ${PROTOCOL_VERSION_HEADER}: 1`;
        }),
      ),
  },
  {
    id: "no-store",
    section: "§3",
    level: "SHOULD",
    title: "every 2xx answer carries Cache-Control: no-store",
    check: (run) =>
      firstFailure(
        run.endpointCalls
          .filter(isSuccess)
          .map((x) =>
            /\bno-store\b/i.test(x.response.headers["cache-control"] ?? "")
              ? undefined
              : `${described(x)} answered ${x.response.status} without Cache-Control: no-store`,
          ),
      ),
  },
  {
    id: "classes-sum",
    section: "§3",
    level: "SHOULD",
    title: "the classes sum to inFlight",
    check: (run) =>
      firstFailure(
        run.readings.map(({ exchange, status }) => {
          if (!status.classes) return undefined;
          const sum = Object.values(status.classes).reduce((a, b) => a + b, 0);
          return sum === status.inFlight
            ? undefined
            : `${described(exchange)}: classes sum to ${sum}, inFlight is ${status.inFlight}`;
        }),
      ),
  },
  {
    id: "counters-monotonic",
    section: "§3",
    level: "MUST",
    title: "accepted (and refused) never decrease",
    check(run) {
      const readings = run.readings;
      return firstFailure(
        readings.slice(1).flatMap((next, i) => {
          const prev = readings[i];
          return prev ? [counterDrop(prev, next, "accepted"), counterDrop(prev, next, "refused")] : [];
        }),
      );
    },
  },
  {
    id: "accepted-counts",
    section: "§3",
    level: "MUST",
    title: "work admitted while serving counts in accepted",
    check(run) {
      if (!run.recording.workUrl) return skip("no --work-url given");
      const before = statusOf(run.one("status-after-errors"));
      const after = statusOf(run.one("status-working"));
      const work = run.one("work-held");
      if (!before || !after) return skip("no status before and after the work request");
      if (after.accepted > before.accepted) return PASS;
      if (work && !isSuccess(work))
        return fail(`the work request at --work-url ${got(work)}: check --work-url`);
      return fail(
        `accepted stayed at ${before.accepted} across a work request at --work-url: admitted work must count`,
      );
    },
  },
  {
    id: "inflight-counts",
    section: "§3",
    level: "MUST",
    title: "work in progress counts in inFlight",
    check(run) {
      if (!run.recording.workUrl) return skip("no --work-url given");
      const work = run.one("work-held");
      const polls = run.all("status-working");
      if (polls.some((x) => (statusOf(x)?.inFlight ?? 0) >= 1)) return PASS;
      // A poll sent 10 ms after the work and answered before it ended must have seen it.
      const inside = work
        ? polls.find(
            (x) =>
              statusOf(x) !== undefined &&
              x.startedMs >= work.startedMs + 10 &&
              x.startedMs + x.ms <= work.startedMs + work.ms,
          )
        : undefined;
      if (!work || !inside)
        return skip(
          "the work at --work-url ended too soon to be seen: give a URL that holds work (e.g. ?ms=2000)",
        );
      return fail(
        `${described(inside)} says inFlight 0 while the work at --work-url ran (${work.ms} ms): work in progress must count`,
      );
    },
  },
  {
    id: "state-table",
    section: "§4",
    level: "MUST",
    title: '"drained" only with inFlight 0, "quiescing" only with inFlight > 0',
    check: (run) =>
      firstFailure(
        run.readings.map(({ exchange, status }) => {
          if (status.state === "drained" && status.inFlight > 0)
            return `${described(exchange)} says "drained" with inFlight ${status.inFlight}: drained means nothing is in flight`;
          if (status.state === "quiescing" && status.inFlight === 0)
            return `${described(exchange)} says "quiescing" with inFlight 0: quiesced with nothing in flight is "drained"`;
          return undefined;
        }),
      ),
  },
  {
    id: "post-quiesces",
    section: "§4",
    level: "MUST",
    title: "POST moves a serving app to quiescing (drained with nothing in flight)",
    check: (run) =>
      firstFailure([
        stateIs(run, "quiesce", "quiesced", "POST must leave serving"),
        stateIs(run, "status-quiescing", "quiesced", "the POST did not take"),
      ]),
  },
  {
    id: "post-idempotent",
    section: "§4",
    level: "MUST",
    title: "POST while quiescing or drained changes nothing",
    check: (run) =>
      firstFailure([
        stateIs(run, "quiesce-again", "quiesced", "a second POST must change nothing"),
        stateIs(run, "quiesce-drained", "quiesced", "a POST while drained must change nothing"),
      ]),
  },
  {
    id: "drains",
    section: "§4",
    level: "MUST",
    title: 'a quiesced app reports "drained" once inFlight is 0',
    check(run) {
      const last = run.all("status-draining").at(-1);
      const status = statusOf(last);
      if (!last || !status) return skip("no status was read while draining");
      if (status.inFlight > 0)
        return fail(
          `inFlight was still ${status.inFlight} after ${run.recording.timeoutMs / 1000} s (raise --timeout if the app has long work)`,
        );
      return status.state === "drained"
        ? PASS
        : fail(`${described(last)} says "${status.state}" with inFlight 0; expected "drained"`);
    },
  },
  {
    id: "delete-resumes",
    section: "§4",
    level: "MUST",
    title: "DELETE returns a quiesced app to serving",
    check: (run) =>
      firstFailure([
        stateIs(run, "unquiesce", "serving", "DELETE must return to serving"),
        stateIs(run, "status-final", "serving", "the DELETE did not take"),
      ]),
  },
  {
    id: "delete-idempotent",
    section: "§4",
    level: "MUST",
    title: "DELETE while serving changes nothing",
    check: (run) =>
      firstFailure([
        stateIs(run, "unquiesce-serving", "serving", "DELETE while serving must change nothing"),
        stateIs(run, "unquiesce-again", "serving", "a second DELETE must change nothing"),
      ]),
  },
];
