import { pino, type Logger, type DestinationStream } from "pino";
import { REDACTED, serializeLoggedError } from "./logged-error.js";

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACTED_PATHS = [
  "password",
  "token",
  "authorization",
  "*.password",
  "*.token",
  "*.authorization",
  "*.privateKey",
  "*.key",
  "headers.authorization",
  "req.headers.authorization",
  "auth.password",
  // A Sentinel connection's options carry the Sentinels' password under this name.
  "sentinelPassword",
  "*.sentinelPassword",
  // Webhook URLs of notification targets are secrets (the path is the credential); none is ever logged, and a field
  // that could hold one is redacted all the same.
  "url",
  "*.url",
  "webhookURL",
  "*.webhookURL",
];

export interface LoggerOptions {
  /** Minimum level written; default `info` (env `LOG_LEVEL`). */
  level?: string;
  /** Where lines go; default standard output. */
  destination?: DestinationStream;
}

/**
 * The one structured logger of a process: one JSON line per event, secrets redacted, also the arguments of
 * failed Redis commands an error carries (`err`).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      serializers: { err: serializeLoggedError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
