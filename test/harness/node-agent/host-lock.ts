// A machine-wide lock through flock(1): held by a child process that lives until we close its stdin (or we die).
import { spawn } from "node:child_process";

/** Runs `fn` while holding an exclusive flock on `file`; other agents and test runs on this machine wait. */
export async function withHostLock<T>(file: string, fn: () => Promise<T>, waitSeconds = 60): Promise<T> {
  // `exec cat` keeps the lock until our end of stdin closes, which also happens when this process crashes.
  const holder = spawn("flock", ["--wait", String(waitSeconds), file, "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => {
    holder.once("exit", (code) => resolve(code));
    holder.once("error", () => resolve(null));
  });
  let stderr = "";
  holder.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const acquired = await new Promise<boolean>((resolve) => {
    let out = "";
    holder.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("locked\n")) resolve(true);
    });
    holder.once("error", (error) => {
      stderr += error.message;
      resolve(false);
    });
    holder.once("exit", () => resolve(false));
  });
  if (!acquired) {
    holder.kill("SIGKILL");
    throw new Error(
      `node-agent: could not lock ${file} within ${waitSeconds}s (flock from util-linux): ${stderr.trim() || "flock exited"}`,
    );
  }
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
