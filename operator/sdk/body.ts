// Reads a request body up to a byte limit, without buffering more than the limit.
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "ok"; body: Buffer }
  | { kind: "too-large" }
  | { kind: "error"; message: string };

export function readBoundedBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "too-large" });
  // Already consumed by a body parser mounted before the SDK: treat as empty.
  if (req.readableEnded) return Promise.resolve({ kind: "ok", body: Buffer.alloc(0) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      if (result.kind !== "ok") req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish({ kind: "too-large" });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: "ok", body: Buffer.concat(chunks) });
    const onError = (err: Error): void => finish({ kind: "error", message: err.message });
    const onAborted = (): void => finish({ kind: "error", message: "request aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}
