// Light mode: many sample apps in one host process behind the ProcessRunner interface (loopback, no netns needed).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../harness/control-plane/ports.ts";
import { LightRunner } from "../../harness/node-agent/light-runner.ts";
import type { ProcessRunner, ProcessSpec, RunningProcess } from "../../harness/node-agent/process-runner.ts";
import { waitFor } from "../../harness/wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "light-runner-"));
const fallbackStarts: string[][] = [];
const fallback: ProcessRunner = {
  start(spec: ProcessSpec): RunningProcess {
    fallbackStarts.push([...spec.argv]);
    return { id: "fallback", exited: Promise.resolve({ exitCode: 0 }), signal: () => undefined };
  },
  killAll: () => undefined,
};
const runner = new LightRunner({ execPrefix: [], fallback, hostLogFile: join(dir, "host.log") });
afterAll(() => runner.killAll());

async function startApp(name: string) {
  const port = await freePort();
  const proc = runner.start({
    argv: ["node", "test/sample-app/main.ts", "--port", String(port)],
    env: { POD_IP: "127.0.0.1", POD_NAME: name },
    cwd: process.cwd(),
    logFile: join(dir, `${name}.log`),
    banner: "container app",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => fetch(`${url}/healthz`).then((r) => r.ok), {
    timeoutMs: 20_000,
    what: `${name} healthy`,
  });
  return { proc, url };
}

describe("LightRunner", () => {
  it("hosts several sample apps in one process; SIGTERM drains held work, SIGKILL cuts it", async () => {
    const [a, b] = await Promise.all([startApp("a"), startApp("b")]);
    expect(runner.hostPid).toBeGreaterThan(0);
    const body = (await (await fetch(`${a.url}/work?ms=0`)).json()) as { pod: string };
    expect(body.pod).toBe("a");

    const held = fetch(`${a.url}/work?ms=700`).then((r) => r.status);
    await waitFor(
      async () => ((await (await fetch(`${a.url}/quiesce`)).json()) as { inFlight: number }).inFlight > 0,
      {
        timeoutMs: 5000,
        what: "work in flight on a",
      },
    );
    a.proc.signal("SIGTERM");
    expect(await held).toBe(200);
    expect(await a.proc.exited).toEqual({ exitCode: 0 });

    b.proc.signal("SIGKILL");
    expect(await b.proc.exited).toEqual({ exitCode: 137, signal: 9, signalName: "SIGKILL" });
  });

  it("runs anything that is not the sample app through the fallback runner", () => {
    runner.start({
      argv: ["sh", "-c", "true"],
      env: {},
      cwd: dir,
      logFile: join(dir, "x.log"),
      banner: "hook",
    });
    expect(fallbackStarts).toEqual([["sh", "-c", "true"]]);
  });
});
