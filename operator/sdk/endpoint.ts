// The quiesce endpoint handler: auth, method, version and body checks, then status / quiesce / resume.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJson, readBody } from "../protocol/http-body.ts";
import {
  JSON_CONTENT_TYPE,
  MAX_RELEASE_SECONDS,
  MAX_REQUEST_BODY_BYTES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  QUIESCE_METHODS,
  type QuiesceRequestBody,
  type QuiesceStatus,
  RELEASE_CONNECTIONS_HEADER,
} from "../protocol/wire.ts";
import { bearerCheck } from "./auth.ts";
import { checkRequestBody } from "./request-body.ts";
import { sendError, sendJson } from "./respond.ts";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the endpoint needs from the quiescer. */
export type QuiesceControl = {
  observe(req: IncomingMessage, res: ServerResponse): void;
  status(): QuiesceStatus;
  quiesce(reason?: string): QuiesceStatus;
  resume(reason?: string): QuiesceStatus;
  releaseConnections(seconds: number): void;
};

type Parsed = { ok: true; body: QuiesceRequestBody } | { ok: false; code: 400 | 413 | 415; message: string };

export function createEndpointHandler(control: QuiesceControl, token: string | undefined): RequestHandler {
  const authorized = bearerCheck(token);
  return (req, res) => {
    control.observe(req, res);
    if (!authorized(req.headers.authorization)) {
      sendError(res, 401, "unauthorized", "missing or invalid bearer token", {
        "WWW-Authenticate": 'Bearer realm="quiesce"',
      });
      return;
    }
    const method = req.method ?? "";
    if (!(QUIESCE_METHODS as readonly string[]).includes(method)) {
      sendError(res, 405, "method-not-allowed", `method ${method} is not allowed; use GET, POST or DELETE`, {
        Allow: QUIESCE_METHODS.join(", "),
      });
      return;
    }
    const version = req.headers[PROTOCOL_VERSION_HEADER.toLowerCase()];
    if (version !== undefined && version !== PROTOCOL_VERSION) {
      sendError(
        res,
        400,
        "unsupported-protocol-version",
        `protocol version ${String(version)} is not supported; this server speaks ${PROTOCOL_VERSION}`,
      );
      return;
    }
    void parseBody(req).then((parsed) => {
      if (!parsed.ok) {
        const code =
          parsed.code === 413
            ? "body-too-large"
            : parsed.code === 415
              ? "unsupported-media-type"
              : "malformed-body";
        sendError(res, parsed.code, code, parsed.message);
        return;
      }
      const reason = parsed.body.reason;
      if (method === "POST") sendJson(res, 202, control.quiesce(reason));
      else if (method === "DELETE") sendJson(res, 200, control.resume(reason));
      else {
        const release = releaseSeconds(req.headers[RELEASE_CONNECTIONS_HEADER.toLowerCase()]);
        if (release !== undefined) control.releaseConnections(release);
        sendJson(res, 200, control.status());
      }
    });
  };
}

/** The seconds a release header asks for: a positive integer (capped); anything else is ignored. */
export function releaseSeconds(value: string | string[] | undefined): number | undefined {
  if (typeof value !== "string" || !/^\s*[0-9]{1,9}\s*$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds > 0 ? Math.min(seconds, MAX_RELEASE_SECONDS) : undefined;
}

async function parseBody(req: IncomingMessage): Promise<Parsed> {
  const read = await readBody(req, MAX_REQUEST_BODY_BYTES);
  if (read.kind === "too-large") {
    return { ok: false, code: 413, message: `request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes` };
  }
  if (read.kind === "aborted")
    return { ok: false, code: 400, message: `request body unreadable: ${read.message}` };
  if (read.body.length === 0) return { ok: true, body: {} };
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== JSON_CONTENT_TYPE) {
    return { ok: false, code: 415, message: `request body must be ${JSON_CONTENT_TYPE}` };
  }
  const parsed = parseJson(read.body);
  if (parsed.kind === "bad-json") return { ok: false, code: 400, message: "request body is not valid JSON" };
  const checked = checkRequestBody(parsed.json);
  if (!checked.ok) return { ok: false, code: 400, message: `request body is invalid: ${checked.message}` };
  return { ok: true, body: checked.body };
}
