// Rules on the token (§5) and the error answers (§6): 401 with its challenge, 405, 415, 400, and errors change nothing.
import type { Step } from "./exchange.ts";
import {
  described,
  errorCodeOf,
  expectError,
  fail,
  firstFailure,
  got,
  PASS,
  type Rule,
  skip,
  statusOf,
} from "./run-view.ts";

const AUTH_STEPS: Step[] = [
  "auth-missing",
  "auth-wrong",
  "auth-scheme",
  "auth-post-missing",
  "auth-delete-missing",
];

const noToken = () => skip("no --token given: the endpoint is checked as open");

export const ERROR_RULES: Rule[] = [
  {
    id: "auth-required",
    section: "§5",
    level: "MUST",
    title: "with a token, a call without the right bearer token is answered 401 unauthorized",
    check: (run) =>
      run.recording.token
        ? firstFailure(AUTH_STEPS.map((s) => expectError(run.one(s), 401, "unauthorized")))
        : noToken(),
  },
  {
    id: "auth-challenge",
    section: "§5",
    level: "MUST",
    title: 'a 401 carries WWW-Authenticate: Bearer realm="quiesce"',
    check(run) {
      if (!run.recording.token) return noToken();
      const denied = run.endpointCalls.filter((x) => x.response?.status === 401);
      if (denied.length === 0) return skip("no call was answered 401");
      return firstFailure(
        denied.map((x) => {
          const value = x.response?.headers["www-authenticate"];
          return value !== undefined && /^bearer\s+realm="quiesce"/i.test(value)
            ? undefined
            : `${described(x)} answered 401 with WWW-Authenticate ${value === undefined ? "missing" : `"${value}"`}`;
        }),
      );
    },
  },
  {
    id: "method-405",
    section: "§6",
    level: "MUST",
    title: "another method is answered 405 method-not-allowed with Allow: GET, POST, DELETE",
    check(run) {
      const x = run.one("method-put");
      const wrong = expectError(x, 405, "method-not-allowed");
      if (wrong || !x) return firstFailure([wrong]);
      const allow = (x.response?.headers.allow ?? "").split(",").map((m) => m.trim().toUpperCase());
      const missing = ["GET", "POST", "DELETE"].filter((m) => !allow.includes(m));
      return missing.length === 0
        ? PASS
        : fail(
            `${described(x)} answered 405 with Allow "${x.response?.headers.allow ?? ""}"; missing ${missing.join(", ")}`,
          );
    },
  },
  {
    id: "media-415",
    section: "§6",
    level: "MUST",
    title: "a non-empty body that is not application/json is answered 415 unsupported-media-type",
    check: (run) => firstFailure([expectError(run.one("body-media-type"), 415, "unsupported-media-type")]),
  },
  {
    id: "malformed-400",
    section: "§6",
    level: "MUST",
    title:
      "a body that is not a JSON object with a string reason of ≤ 256 characters is answered 400 malformed-body",
    check: (run) =>
      firstFailure(
        (["body-malformed", "body-not-object", "body-reason-type", "body-reason-long"] as const).map((s) =>
          expectError(run.one(s), 400, "malformed-body"),
        ),
      ),
  },
  {
    id: "error-body",
    section: "§6",
    level: "MUST",
    title: 'every error answer is JSON {"error": "<code>", "message": "<text>"}',
    check: (run) =>
      firstFailure(
        run.endpointCalls
          .filter((x) => (x.response?.status ?? 0) >= 400)
          .map((x) =>
            errorCodeOf(x) !== undefined ? undefined : `${described(x)} ${got(x)}: not {error, message}`,
          ),
      ),
  },
  {
    id: "error-close",
    section: "§6",
    level: "SHOULD",
    title: "every error answer carries Connection: close",
    check: (run) =>
      firstFailure(
        run.endpointCalls
          .filter((x) => (x.response?.status ?? 0) >= 400)
          .map((x) =>
            x.response?.headers.connection?.toLowerCase() === "close"
              ? undefined
              : `${described(x)} answered ${x.response?.status} without Connection: close`,
          ),
      ),
  },
  {
    id: "errors-change-nothing",
    section: "§6",
    level: "MUST",
    title: "a rejected call changes nothing",
    check(run) {
      const before = run.one("status-after-errors");
      const during = run.one("status-after-quiescing-errors");
      const serving = statusOf(before);
      const quiesced = statusOf(during);
      return firstFailure([
        before && serving && serving.state !== "serving"
          ? `${described(before)} says "${serving.state}": one of the rejected calls (PUT, bad bodies, no token) quiesced the app`
          : undefined,
        during && quiesced?.state === "serving"
          ? `${described(during)} says "serving": a rejected DELETE (no token, or version 2) resumed the app`
          : undefined,
      ]);
    },
  },
];
