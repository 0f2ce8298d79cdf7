// The rules' view of a recording: exchanges by step, status bodies parsed at the boundary, and how to say what came back.
import { z } from "zod";
import {
  JSON_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  type QuiesceStatus,
  statusBodySchema,
} from "../../../protocol/quiesce-protocol.ts";
import { type Exchange, type Recording, STEP_LABELS, type Step } from "./exchange.ts";

export type Level = "MUST" | "SHOULD";
export type Verdict = { outcome: "pass" } | { outcome: "fail" | "skip"; message: string };

export interface Rule {
  id: string;
  /** The section of docs/protocol.md, e.g. "§5" or "§7.1". */
  section: string;
  level: Level;
  title: string;
  check(run: Run): Verdict;
}

export const PASS: Verdict = { outcome: "pass" };
export const fail = (message: string): Verdict => ({ outcome: "fail", message });
export const skip = (message: string): Verdict => ({ outcome: "skip", message });

/** The first failure of a list of checks, else a pass; `undefined` means that check passed. */
export function firstFailure(messages: ReadonlyArray<string | undefined>): Verdict {
  const failures = messages.filter((m): m is string => m !== undefined);
  if (failures.length === 0) return PASS;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
  return fail(`${failures[0]}${more}`);
}

const errorShapeSchema = z.object({ error: z.string(), message: z.string() });

export class Run {
  readonly recording: Recording;

  constructor(recording: Recording) {
    this.recording = recording;
  }

  all(step: Step): Exchange[] {
    return this.recording.exchanges.filter((x) => x.step === step);
  }

  one(step: Step): Exchange | undefined {
    return this.all(step).at(-1);
  }

  /** Calls to the quiesce endpoint, in order. */
  get endpointCalls(): Exchange[] {
    return this.recording.exchanges.filter((x) => x.target === "quiesce");
  }

  /** Every 2xx answer of the quiesce endpoint whose body is a valid status, in order. */
  get readings(): Array<{ exchange: Exchange; status: QuiesceStatus }> {
    return this.endpointCalls.flatMap((exchange) => {
      const status = statusOf(exchange);
      return status ? [{ exchange, status }] : [];
    });
  }
}

export function isSuccess(x: Exchange | undefined): x is Exchange & { response: { status: number } } {
  return x?.response !== undefined && x.response.status >= 200 && x.response.status < 300;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The status body of a 2xx answer, or undefined. */
export function statusOf(x: Exchange | undefined): QuiesceStatus | undefined {
  if (!isSuccess(x)) return undefined;
  const parsed = statusBodySchema.safeParse(json(x.response.body));
  return parsed.success ? parsed.data : undefined;
}

/** Why a 2xx answer is not a status body (content type or schema), or undefined when it is one. */
export function statusBodyProblem(x: Exchange): string | undefined {
  const type = (x.response?.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== JSON_CONTENT_TYPE)
    return `Content-Type is ${type ? `"${type}"` : "missing"}, not ${JSON_CONTENT_TYPE}`;
  const body = json(x.response?.body ?? "");
  if (body === undefined) return "the body is not JSON";
  const parsed = statusBodySchema.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue?.path.length ? `"${issue.path.join(".")}"` : "the body"}: ${issue?.message ?? "invalid"}`;
}

/** The `error` code of an error body, or undefined when the body is not `{error, message}`. */
export function errorCodeOf(x: Exchange): string | undefined {
  const parsed = errorShapeSchema.safeParse(json(x.response?.body ?? ""));
  return parsed.success ? parsed.data.error : undefined;
}

export function hasVersionHeader(x: Exchange): boolean {
  return x.response?.headers[PROTOCOL_VERSION_HEADER.toLowerCase()] === PROTOCOL_VERSION;
}

/** "PUT (the label)" */
export function described(x: Exchange): string {
  return STEP_LABELS[x.step];
}

/** What came back, in a few words: `answered 200 {"state":"serving",...}` or `failed: connect ECONNREFUSED`. */
export function got(x: Exchange | undefined): string {
  if (!x) return "was not made (an earlier step failed)";
  if (!x.response) return `failed: ${x.error ?? "no answer"}`;
  const body = x.response.body.replace(/\s+/g, " ").trim();
  const shown = body.length > 100 ? `${body.slice(0, 100)}…` : body;
  return `answered ${x.response.status}${shown ? ` ${shown}` : ""}`;
}

/** Checks one answer for an error status and code; undefined when it matches. */
export function expectError(x: Exchange | undefined, status: number, code: string): string | undefined {
  if (!x) return `${status} ${code}: the call was not made`;
  if (x.response?.status === status && errorCodeOf(x) === code) return undefined;
  return `${described(x)} ${got(x)}; expected ${status} with {"error":"${code}"}`;
}
