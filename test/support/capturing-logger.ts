import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/observability/logger.js";

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  return {
    logger,
    lines: () =>
      raw
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
