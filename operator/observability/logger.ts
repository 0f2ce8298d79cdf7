// The operator's pino logger: JSON lines, stable keys, and tokens redacted wherever they might appear.
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** `destination` defaults to stdout; tests pass one to read what the operator logs. */
export function createLogger(
  level: string,
  name = "quiesce-operator",
  destination?: DestinationStream,
): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["token", "*.token", "headers.authorization", "*.headers.authorization", "authorization"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
