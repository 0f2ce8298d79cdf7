// The conformance command: flags, the printed lines, -o json, the exit code (the in-memory app, no sockets).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  conformanceCommand,
  parseConformanceFlags,
} from "../../../operator/cli/plugin/conformance/command.ts";
import { resultLine } from "../../../operator/cli/plugin/conformance/report.ts";
import { bufferIo, fakeApp, URLS } from "./conformance-fake-app.ts";

const flags = (extra: Record<string, unknown> = {}) =>
  parseConformanceFlags({ ...URLS, timeout: "2s", token: "s3cret", ...extra });

describe("conformance command", () => {
  it("prints a line per rule and exits 0 for a conforming app", async () => {
    const io = bufferIo();
    expect(await conformanceCommand(flags(), io, { call: fakeApp({ token: "s3cret" }) })).toBe(0);
    expect(io.lines[0]).toBe(`quiesce protocol conformance of ${URLS.url} (docs/protocol.md)`);
    expect(io.lines).toContain(
      "PASS  §6    MUST    method-405             another method is answered 405 method-not-allowed with Allow: GET, POST, DELETE",
    );
    expect(io.lines.at(-1)).toBe("40 passed, 0 failed, 0 skipped: conformant (every MUST passed)");
  });

  it("exits 1 when a MUST fails, naming it; a failed SHOULD alone does not", async () => {
    const broken = bufferIo();
    const call = fakeApp({ token: "s3cret", faults: ["put-200", "no-no-store"] });
    expect(await conformanceCommand(flags(), broken, { call })).toBe(1);
    expect(broken.lines.at(-1)).toBe(
      "38 passed, 2 failed (MUST: method-405; SHOULD: no-store), 0 skipped: NOT conformant",
    );
    const should = bufferIo();
    expect(
      await conformanceCommand(flags(), should, {
        call: fakeApp({ token: "s3cret", faults: ["no-no-store"] }),
      }),
    ).toBe(0);
  });

  it("says when MUSTs went unchecked", async () => {
    const io = bufferIo();
    const bare = parseConformanceFlags({ url: URLS.url, timeout: "2s" });
    expect(await conformanceCommand(bare, io, { call: fakeApp() })).toBe(0);
    expect(io.lines.at(-1)).toBe(
      "28 passed, 0 failed, 12 skipped: conformant on every MUST checked (9 not checked: see the skips)",
    );
  });

  it("writes the report as JSON with -o json", async () => {
    const io = bufferIo();
    await conformanceCommand(flags({ output: "json" }), io, {
      call: fakeApp({ token: "s3cret", faults: ["post-200"] }),
    });
    const report = JSON.parse(io.lines.join("\n"));
    expect(report).toMatchObject({
      url: URLS.url,
      conformant: false,
      summary: { fail: 1, mustFailed: ["post-202"] },
    });
    expect(report.results.find((r: { id: string }) => r.id === "post-202")).toMatchObject({
      section: "§1",
      level: "MUST",
      outcome: "fail",
      message: expect.stringMatching(/answered 200 .*expected 202 with the status body/),
    });
  });

  it("reads --token-file and checks its flags", async () => {
    const dir = mkdtempSync(join(tmpdir(), "conformance-"));
    writeFileSync(join(dir, "token"), "s3cret\n");
    const io = bufferIo();
    const fromFile = parseConformanceFlags({ ...URLS, timeout: "2s", tokenFile: join(dir, "token") });
    expect(await conformanceCommand(fromFile, io, { call: fakeApp({ token: "s3cret" }) })).toBe(0);
    expect(() => parseConformanceFlags({ url: "ftp://x/quiesce", timeout: "1s" })).toThrow(
      "invalid flags: --url: must be an http:// or https:// URL",
    );
    expect(() => flags({ tokenFile: "/x" })).toThrow("give --token or --token-file, not both");
    expect(() => flags({ timeout: "soon" })).toThrow(/--timeout: invalid duration "soon"/);
    await expect(
      conformanceCommand(
        parseConformanceFlags({ url: URLS.url, timeout: "1s", tokenFile: join(dir, "none") }),
        io,
      ),
    ).rejects.toThrow(/--token-file .*none: ENOENT/);
  });

  it("formats a failed rule on one line: outcome, section, level, id, title and message", () => {
    const line = resultLine({
      id: "refuses-work",
      section: "§7.1",
      level: "MUST",
      title: "new work while quiescing is refused",
      outcome: "fail",
      message: "new work while quiescing answered 200",
    });
    expect(line).toBe(
      "FAIL  §7.1  MUST    refuses-work           new work while quiescing is refused: new work while quiescing answered 200",
    );
  });
});
