// Where the plugin's commands write, and their clock: the process in production, buffers in tests.

export interface PluginIo {
  out(text: string): void;
  err(text: string): void;
  /** A progress line: redrawn in place on a terminal, else printed when it changed. */
  progress(text: string): void;
  /** Ends the progress line (a newline on a terminal). */
  endProgress(): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** stdout/stderr; `progressToStderr` keeps stdout clean for -o json|yaml. */
export function processIo(progressToStderr = false): PluginIo {
  const stream = progressToStderr ? process.stderr : process.stdout;
  const tty = stream.isTTY === true;
  let last = "";
  let drawn = false;
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    progress(text) {
      if (tty) {
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
        drawn = true;
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      last = text;
    },
    endProgress() {
      if (tty && drawn) stream.write("\n");
      drawn = false;
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
