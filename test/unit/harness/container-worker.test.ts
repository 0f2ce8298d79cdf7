import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ContainerWorker } from "../../harness/node-agent/container-worker.ts";
import type { ContainerSpec, RestartPolicy } from "../../harness/node-agent/pod-model.ts";
import { ChildProcessRunner } from "../../harness/node-agent/process-runner.ts";
import { waitFor } from "../../harness/wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "node-agent-unit-"));
const runner = new ChildProcessRunner();
const workers: ContainerWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
});

const server = (ip: string, port: number, extra = "") =>
  `const http=require('node:http');let healthy=true;${extra}` +
  `http.createServer((q,s)=>{if(q.url==='/sick'){healthy=false;return s.end()}` +
  `s.statusCode=q.url==='/healthz'&&!healthy?500:200;s.end('ok')}).listen(${port},'${ip}',()=>console.log('listening'))`;

function worker(
  container: ContainerSpec,
  argv: string[],
  podIP: string,
  restartPolicy: RestartPolicy = "Always",
) {
  const logFile = join(dir, `${container.name}.log`);
  const w = new ContainerWorker({
    container,
    argv,
    env: { PATH: process.env.PATH ?? "", POD_IP: podIP },
    podIP,
    cwd: dir,
    logFile,
    restartPolicy,
    terminationGracePeriodMs: 2000,
    backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
    runner,
    logger: pino({ level: "silent" }),
    onChange: () => {},
  });
  workers.push(w);
  return { w, logFile };
}

describe("ContainerWorker", () => {
  it("is ready once started when there is no readiness probe", () => {
    const { w } = worker(
      { name: "plain" },
      [process.execPath, "-e", "setInterval(()=>{},1000)"],
      "127.1.252.1",
    );
    w.start();
    expect(w.status()).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
      state: { kind: "running" },
    });
  });

  it("becomes ready through the readiness probe on the pod IP", async () => {
    const ip = "127.1.252.2";
    const container = {
      name: "probed",
      readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
    };
    const { w } = worker(container, [process.execPath, "-e", server(ip, 8080)], ip);
    w.start();
    expect(w.status().ready).toBe(false);
    await waitFor(() => w.status().ready, { timeoutMs: 5000, what: "readiness" });
  });

  it("restarts an exited container with backoff and counts restarts", async () => {
    const { w } = worker({ name: "crasher" }, [process.execPath, "-e", "process.exit(3)"], "127.1.252.3");
    w.start();
    await waitFor(() => w.status().restartCount >= 2, { timeoutMs: 5000, what: "two restarts" });
    expect(w.status().lastState).toMatchObject({ kind: "terminated", exitCode: 3 });
  });

  it("leaves a container with restartPolicy Never terminated", async () => {
    const { w } = worker(
      { name: "once" },
      [process.execPath, "-e", "process.exit(0)"],
      "127.1.252.4",
      "Never",
    );
    w.start();
    await waitFor(() => w.finished, { timeoutMs: 5000, what: "exit" });
    expect(w.status()).toMatchObject({
      restartCount: 0,
      state: { kind: "terminated", exitCode: 0, reason: "Completed" },
    });
  });

  it("restarts the process when the liveness probe fails", async () => {
    const ip = "127.1.252.5";
    const container = {
      name: "live",
      livenessProbe: {
        httpGet: { path: "/healthz", port: 8080 },
        initialDelaySeconds: 1,
        periodSeconds: 1,
        failureThreshold: 1,
      },
    };
    const { w } = worker(container, [process.execPath, "-e", server(ip, 8080)], ip);
    w.start();
    await waitFor(async () => (await fetch(`http://${ip}:8080/sick`)).ok, {
      timeoutMs: 5000,
      what: "server up",
    });
    await waitFor(() => w.status().restartCount === 1, { timeoutMs: 8000, what: "liveness restart" });
  });

  it("runs preStop, then SIGTERM, and SIGKILLs a process that ignores SIGTERM at the deadline", async () => {
    const script =
      "process.on('SIGTERM',()=>console.log('got SIGTERM at '+Date.now()));console.log('up');setInterval(()=>{},1000)";
    const container = { name: "stubborn", lifecycle: { preStop: { sleep: { seconds: 1 } } } };
    const { w, logFile } = worker(container, [process.execPath, "-e", script], "127.1.252.6");
    w.start();
    await waitFor(() => readFileSync(logFile, "utf8").includes("up"), {
      timeoutMs: 5000,
      what: "process up",
    });
    const t0 = Date.now();
    await w.terminate(t0 + 2500, {});
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2450);
    expect(elapsed).toBeLessThan(3500);
    const sigterm = Number(/got SIGTERM at (\d+)/.exec(readFileSync(logFile, "utf8"))?.[1]);
    expect(sigterm - t0).toBeGreaterThanOrEqual(950);
    expect(w.status()).toMatchObject({
      ready: false,
      state: { kind: "terminated", exitCode: 137, signal: 9 },
    });
  });

  it("runs an exec preStop hook with the given environment", async () => {
    const marker = join(dir, "prestop-ran");
    const container = {
      name: "hooked",
      lifecycle: {
        preStop: {
          exec: {
            command: [process.execPath, "-e", `require('fs').writeFileSync('${marker}', process.env.WHO)`],
          },
        },
      },
    };
    const { w } = worker(container, [process.execPath, "-e", "setInterval(()=>{},1000)"], "127.1.252.7");
    w.start();
    await w.terminate(Date.now() + 5000, { WHO: "hook" });
    expect(readFileSync(marker, "utf8")).toBe("hook");
    expect(w.status().state).toMatchObject({ kind: "terminated", signal: 15 });
  });
});
