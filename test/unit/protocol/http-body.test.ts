// Properties of the shared body reader and JSON responder (operator/protocol/http-body.ts) that the SDK and the
// webhook server answer with: any bytes in any chunking end in a typed result, never more than the limit held.
import http from "node:http";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BodyRead,
  type BodySource,
  parseJson,
  readBody,
  readJsonBody,
  writeJson,
} from "../../../operator/protocol/http-body.ts";
import { closeServer, listen, type Reply, readReply, send } from "../sdk/http-helpers.ts";

type Ending = { kind: "end" } | { kind: "error"; message: string } | { kind: "destroy" };

/** A request body stream pushing `chunks` as they are, then ending, failing or being destroyed. */
function source(chunks: readonly Uint8Array[], ending: Ending, contentLength?: string): BodySource {
  let next = 0;
  const stream = new Readable({
    read() {
      // A zero-length push reads as "nothing yet": Node may not call read() again and the stream stalls (a socket
      // never delivers an empty chunk), so empty chunks are skipped.
      let chunk = chunks[next++];
      while (chunk !== undefined && chunk.length === 0) chunk = chunks[next++];
      if (chunk !== undefined) this.push(Buffer.from(chunk));
      else if (ending.kind === "end") this.push(null);
      else if (ending.kind === "error") this.destroy(new Error(ending.message));
      else this.destroy();
    },
  });
  return Object.assign(stream, {
    headers: contentLength === undefined ? {} : { "content-length": contentLength },
  });
}

const chunks = fc.array(fc.uint8Array({ maxLength: 96 }), { maxLength: 24 });
const limit = fc.nat({ max: 1024 });
const ending: fc.Arbitrary<Ending> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "end" as const }) },
  fc.record({ kind: fc.constant("error" as const), message: fc.string({ minLength: 1 }) }),
  fc.constant({ kind: "destroy" as const }),
);
const KINDS = ["ok", "too-large", "aborted"];

const total = (parts: readonly Uint8Array[]): number => parts.reduce((n, c) => n + c.length, 0);
const joined = (parts: readonly Uint8Array[]): Buffer => Buffer.concat(parts.map((c) => Buffer.from(c)));

/** What JSON.parse makes of the bytes, or undefined when it throws. */
function jsonOf(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(bytes.toString("utf8")) };
  } catch {
    return undefined;
  }
}

describe("readBody", () => {
  it("whatever the bytes and chunking: the whole body within the limit, else a typed too-large", async () => {
    await fc.assert(
      fc.asyncProperty(chunks, limit, async (parts, max) => {
        const read = await readBody(source(parts, { kind: "end" }), max);
        if (total(parts) <= max) expect(read).toEqual({ kind: "ok", body: joined(parts) });
        else expect(read).toEqual({ kind: "too-large", limit: max });
      }),
    );
  });

  it("never rejects; a failed or destroyed stream is a typed abort unless the limit was passed first", async () => {
    await fc.assert(
      fc.asyncProperty(chunks, limit, ending, async (parts, max, end) => {
        const read: BodyRead = await readBody(source(parts, end), max);
        expect(KINDS).toContain(read.kind);
        if (read.kind === "ok") {
          expect(end.kind).toBe("end");
          expect(read.body.length).toBeLessThanOrEqual(max);
        }
        if (read.kind === "too-large") expect(total(parts)).toBeGreaterThan(max);
        if (read.kind === "aborted") {
          expect(end.kind).not.toBe("end");
          expect(read.message).toBe(end.kind === "error" ? end.message : "request aborted");
        }
        if (end.kind !== "end" && total(parts) <= max) expect(read.kind).toBe("aborted");
      }),
    );
  });

  it("refuses a declared Content-Length above the limit before reading a byte", async () => {
    await fc.assert(
      fc.asyncProperty(chunks, limit, fc.nat(), ending, async (parts, max, extra, end) => {
        const body = source(parts, end, String(max + 1 + extra));
        expect(await readBody(body, max)).toEqual({ kind: "too-large", limit: max });
        expect(body.readableFlowing).not.toBe(true);
      }),
    );
  });

  it("reads a stream already read to its end (a body parser ran first) as empty, a destroyed one as aborted", async () => {
    const consumed = source([Buffer.from('{"reason":"x"}')], { kind: "end" });
    consumed.resume();
    await new Promise((resolve) => consumed.once("end", resolve));
    expect(await readBody(consumed, 1024)).toEqual({ kind: "ok", body: Buffer.alloc(0) });
    const gone = source([Buffer.from("{")], { kind: "end" });
    gone.destroy();
    expect(await readBody(gone, 1024)).toEqual({ kind: "aborted", message: "request aborted" });
  });

  it("over real HTTP: any chunking of a chunked upload is read whole within the limit, else 413", async () => {
    const max = 512;
    const server = http.createServer((req, res) => {
      void readBody(req, max).then((read) =>
        read.kind === "ok"
          ? writeJson(res, 200, { bytes: read.body.toString("base64") })
          : writeJson(
              res,
              read.kind === "too-large" ? 413 : 400,
              { error: read.kind },
              { Connection: "close" },
            ),
      );
    });
    const base = await listen(server);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 160 }), { maxLength: 8 }),
          async (parts) => {
            const reply = await upload(base, parts);
            if (total(parts) <= max) {
              expect(reply.status).toBe(200);
              expect(Buffer.from(JSON.parse(reply.body).bytes, "base64")).toEqual(joined(parts));
            } else expect(reply).toMatchObject({ status: 413, body: '{"error":"too-large"}' });
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await closeServer(server);
    }
  });
});

/** POSTs `parts` as separate chunks of a chunked body; resolves on the response (the server may stop reading). */
function upload(base: string, parts: readonly Uint8Array[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(base, {
      method: "POST",
      agent: false,
      headers: { "transfer-encoding": "chunked" },
    });
    req.on("response", (res) => void readReply(res).then(resolve, reject));
    req.on("error", reject);
    for (const part of parts) req.write(part);
    req.end();
  });
}

describe("parseJson and readJsonBody", () => {
  it("any bytes: the parsed value when JSON.parse takes them, else a typed bad-json with its message", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
      fc.string().map((s) => Buffer.from(s)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
    );
    fc.assert(
      fc.property(bytes, (body) => {
        const parsed = parseJson(body);
        const expected = jsonOf(body);
        if (expected === undefined) {
          expect(parsed.kind).toBe("bad-json");
          if (parsed.kind === "bad-json") expect(parsed.message).not.toBe("");
        } else expect(parsed).toEqual({ kind: "ok", json: expected.value });
      }),
    );
  });

  it("an empty body is not JSON", () => {
    expect(parseJson(Buffer.alloc(0))).toMatchObject({ kind: "bad-json" });
  });

  it("reads then parses: too-large before any parsing, otherwise what parseJson says", async () => {
    const text = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(text, limit, async (body, max) => {
        const bytes = Buffer.from(body);
        const read = await readJsonBody(source([bytes], { kind: "end" }), max);
        expect(read).toEqual(bytes.length > max ? { kind: "too-large", limit: max } : parseJson(bytes));
      }),
    );
  });
});

describe("writeJson", () => {
  let server: http.Server;
  let base: string;
  let next: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => {};
  beforeAll(async () => {
    server = http.createServer((req, res) => next(req, res));
    base = await listen(server);
  });
  afterAll(() => closeServer(server));

  it("any JSON value, any status with a body: that status, application/json, the exact Content-Length, and the value back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
        async (value, status) => {
          next = (_req, res) => void writeJson(res, status, value);
          const reply = await send(base);
          expect(reply.status).toBe(status);
          expect(reply.headers["content-type"]).toBe("application/json");
          expect(Number(reply.headers["content-length"])).toBe(Buffer.byteLength(reply.body));
          expect(JSON.parse(reply.body)).toEqual(JSON.parse(JSON.stringify(value)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("adds or replaces headers, keeps those set before, and writes nothing once the response has started", async () => {
    const wrote: boolean[] = [];
    next = (_req, res) => {
      res.setHeader("allow", "POST");
      wrote.push(
        writeJson(res, 405, { error: "ünïcode" }, { "Content-Type": "application/json; charset=utf-8" }),
      );
      wrote.push(writeJson(res, 500, { error: "second" }));
    };
    const reply = await send(base);
    expect(wrote).toEqual([true, false]);
    expect(reply).toMatchObject({ status: 405, body: '{"error":"ünïcode"}' });
    expect(reply.headers).toMatchObject({
      allow: "POST",
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength('{"error":"ünïcode"}')),
    });
  });

  it("HEAD: the same status and headers, no body", async () => {
    next = (_req, res) => void writeJson(res, 200, { status: "alive" });
    const reply = await send(base, { method: "HEAD" });
    expect(reply).toMatchObject({ status: 200, body: "" });
    expect(reply.headers["content-length"]).toBe(String(Buffer.byteLength('{"status":"alive"}')));
  });
});
