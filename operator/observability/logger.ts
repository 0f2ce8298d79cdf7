// The operator's pino logger: JSON lines, stable keys, and tokens redacted wherever they might appear.
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string, name = "quiesce-operator"): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["token", "*.token", "headers.authorization", "*.headers.authorization", "authorization"],
      censor: "[redacted]",
    },
  });
}
