// The conformance kit against live local apps: the Python and Go reference apps and the SDK's sample app pass every
// MUST; the deliberately broken app fails exactly its four violations, with messages a person understands.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conformanceCommand,
  parseConformanceFlags,
} from "../../../operator/cli/plugin/conformance/command.ts";
import type { ConformanceReport } from "../../../operator/cli/plugin/conformance/report.ts";
import { freePort } from "../../harness/control-plane/ports.ts";
import { bufferIo } from "./conformance-fake-app.ts";
import { type App, buildGoApp, ROOT, requireTool, startApp, stopApp } from "./conformance-processes.ts";

const TOKEN = "conformance-token";
const dir = mkdtempSync(join(tmpdir(), "conformance-apps-"));
const tokenFile = join(dir, "token");
writeFileSync(tokenFile, `${TOKEN}\n`);
const apps: App[] = [];
let python = "";
let goBinary = "";

beforeAll(async () => {
  python = requireTool(
    "python3",
    [],
    "the conformance test runs docs/examples/python/app.py with it (Python >= 3.10)",
  );
  const go = requireTool(
    "go",
    ["/usr/local/go/bin/go"],
    "the conformance test builds docs/examples/go with it",
  );
  goBinary = await buildGoApp(go, dir);
}, 180_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => stopApp(a, 2000)));
  rmSync(dir, { recursive: true, force: true });
});

type Started = { url: string; workUrl: string; livenessUrl: string; app: App };

/** main port for /work; the quiesce endpoint and /healthz on the admin port, or on the main port without one. */
async function launch(
  name: string,
  argv: (p: number, a: number) => string[],
  admin: boolean,
  env = {},
): Promise<Started> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const control = admin ? `http://127.0.0.1:${adminPort}` : base;
  const app = await startApp(name, argv(port, adminPort), env, `${control}/healthz`);
  apps.push(app);
  return {
    url: `${control}/quiesce`,
    workUrl: `${base}/work?ms=1000`,
    livenessUrl: `${control}/healthz`,
    app,
  };
}

async function kit(target: Started): Promise<{ code: number; report: ConformanceReport; text: string }> {
  const io = bufferIo();
  const flags = {
    url: target.url,
    workUrl: target.workUrl,
    livenessUrl: target.livenessUrl,
    tokenFile,
    timeout: "10s",
  };
  const code = await conformanceCommand(parseConformanceFlags({ ...flags, output: "json" }), io);
  const report = JSON.parse(io.lines.join("\n")) as ConformanceReport;
  const text = report.results.map((r) => `${r.outcome} ${r.id}: ${r.message ?? ""}`).join("\n");
  return { code, report, text };
}

const mustFailures = (report: ConformanceReport) => report.summary.mustFailed;

describe("conformance kit against live apps", () => {
  it.concurrent("passes the Python reference app (one port, token from the environment), which drains on SIGTERM", async () => {
    const app = await launch(
      "python",
      (p) => [python, "docs/examples/python/app.py", "--host", "127.0.0.1", "--port", String(p)],
      false,
      {
        QUIESCE_TOKEN: TOKEN,
      },
    );
    const { code, report, text } = await kit(app);
    expect(mustFailures(report), text).toEqual([]);
    expect(report.summary, text).toMatchObject({ fail: 0, skip: 0 });
    expect(code).toBe(0);
    await expectDrainOnSigterm(app);
  });

  it.concurrent("passes the Go reference app (admin port, --token-file), which drains on SIGTERM", async () => {
    const app = await launch(
      "go",
      (p, a) => [
        goBinary,
        "-host",
        "127.0.0.1",
        "-port",
        String(p),
        "-admin-port",
        String(a),
        "-token-file",
        tokenFile,
      ],
      true,
    );
    const { code, report, text } = await kit(app);
    expect(report.summary, text).toMatchObject({ fail: 0, skip: 0 });
    expect(code).toBe(0);
    await expectDrainOnSigterm(app);
  });

  it.concurrent("passes the SDK's sample app", async () => {
    const node = join(ROOT, "node_modules/.bin/node");
    const app = await launch(
      "sample-app",
      (p, a) => [
        node,
        "test/sample-app/main.ts",
        "--host",
        "127.0.0.1",
        "--port",
        String(p),
        "--admin-port",
        String(a),
        "--token-file",
        tokenFile,
      ],
      true,
    );
    const { code, report, text } = await kit(app);
    expect(report.summary, text).toMatchObject({ fail: 0, skip: 0 });
    expect(code).toBe(0);
  });

  it.concurrent("fails the broken app on exactly its four violations, saying what came back", async () => {
    const app = await launch(
      "broken",
      (p, a) => [
        python,
        "test/fixtures/broken-protocol.py",
        "--host",
        "127.0.0.1",
        "--port",
        String(p),
        "--admin-port",
        String(a),
      ],
      true,
      { QUIESCE_TOKEN: TOKEN },
    );
    const { code, report, text } = await kit(app);
    expect(code).toBe(1);
    expect([...mustFailures(report)].sort(), text).toEqual([
      "counters-monotonic",
      "method-405",
      "refuses-work",
      "version-header",
    ]);
    expect(report.summary.shouldFailed, text).toEqual([]);
    const message = (id: string) => report.results.find((r) => r.id === id)?.message;
    expect(message("version-header")).toMatch(
      /^the first GET answered 200 without Quiesce-Protocol-Version; expected Quiesce-Protocol-Version: 1 \(and \d+ more\)$/,
    );
    expect(message("counters-monotonic")).toMatch(
      /^accepted went down from [1-9]\d* \(.+\) to 0 \(DELETE while quiesced\); it must never decrease while the process runs$/,
    );
    expect(message("method-405")).toMatch(
      /^PUT answered 200 \{"state":"serving".*; expected 405 with \{"error":"method-not-allowed"\}$/,
    );
    expect(message("refuses-work")).toMatch(
      /^new work while quiescing answered 200 \{"work":"done","ms":1000\}; expected 503 with Retry-After: a quiescing app must refuse new work$/,
    );
  });
});

/** §7.6: SIGTERM quiesces, the work in flight finishes, then the process exits 0. */
async function expectDrainOnSigterm(target: Started): Promise<void> {
  const held = fetch(target.workUrl.replace("ms=1000", "ms=400"));
  await new Promise((r) => setTimeout(r, 100));
  target.app.child.kill("SIGTERM");
  expect((await held).status).toBe(200);
  expect(await target.app.exited, target.app.stderr()).toBe(0);
}
