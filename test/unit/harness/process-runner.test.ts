import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChildProcessRunner } from "../../harness/node-agent/process-runner.ts";
import { waitFor } from "../../harness/wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "process-runner-"));
// env(1) execs its command like `ip netns exec` does, without needing root.
const runner = new ChildProcessRunner({ argvPrefix: ["env", "WRAPPED=1"] });

function start(name: string, script: string) {
  const logFile = join(dir, `${name}.log`);
  const proc = runner.start({
    argv: [process.execPath, "-e", script],
    env: { PATH: process.env.PATH ?? "", WHO: name },
    cwd: dir,
    logFile,
    banner: name,
  });
  // Whole lines: the banner line repeats the script, markers included.
  const lines = () => readFileSync(logFile, "utf8").split("\n");
  return { proc, lines };
}

describe("ChildProcessRunner with an argv prefix", () => {
  it("runs the command itself under the prefix, with its env and cwd, as the process group leader", async () => {
    const { proc, lines } = start(
      "plain",
      "console.log(JSON.stringify({pid:process.pid,pgid:require('child_process').execSync('ps -o pgid= '+process.pid).toString().trim(),who:process.env.WHO,wrapped:process.env.WRAPPED,cwd:process.cwd()}))",
    );
    expect(await proc.exited).toEqual({ exitCode: 0 });
    const line = lines().find((l) => l.startsWith("{"));
    expect(JSON.parse(line ?? "{}")).toEqual({
      pid: Number(proc.id),
      pgid: proc.id,
      who: "plain",
      wrapped: "1",
      cwd: dir,
    });
  });

  it("delivers SIGTERM to the app and its children, and reports the app's exit", async () => {
    const { proc, lines } = start(
      "polite",
      // The interval keeps the event loop alive: when SIGTERM ends `sleep` first, Node would otherwise see an
      // empty loop and exit 0 before it runs the (unref'd) signal handler.
      "require('child_process').spawn('sleep',['30'],{stdio:'inherit'});setInterval(()=>{},1000);" +
        "process.on('SIGTERM',()=>{console.log('got SIGTERM');process.exit(7)});console.log('up')",
    );
    await waitFor(() => lines().includes("up"), { timeoutMs: 5000, what: "app up" });
    proc.signal("SIGTERM");
    expect(await proc.exited).toEqual({ exitCode: 7 });
    expect(lines()).toContain("got SIGTERM");
  });

  it("SIGKILLs an app that ignores SIGTERM and reports the signal", async () => {
    const { proc, lines } = start(
      "stubborn",
      "process.on('SIGTERM',()=>console.log('ignored'));console.log('up');setInterval(()=>{},1000)",
    );
    await waitFor(() => lines().includes("up"), { timeoutMs: 5000, what: "app up" });
    proc.signal("SIGTERM");
    await waitFor(() => lines().includes("ignored"), { timeoutMs: 5000, what: "SIGTERM seen" });
    proc.signal("SIGKILL");
    expect(await proc.exited).toEqual({ exitCode: 137, signal: 9, signalName: "SIGKILL" });
  });
});
