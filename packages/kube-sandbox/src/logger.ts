import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  /** Minimum level written; default `info`. */
  level?: string;
  /** Where lines go; default standard output. */
  destination?: DestinationStream;
}

/** A logger writing one JSON line per event. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A logger that writes nothing: what the sandbox uses when it is given none. */
export const silentLogger: Logger = pino({ level: "silent" });
