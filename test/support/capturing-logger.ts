import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/core/logger.js";

/** A logger whose JSON lines are kept for assertions. */
export interface CapturingLogger {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: () => Record<string, unknown>[];
  /** Resolves once a line (written so far or later) matches; rejects after `timeoutMs` naming `what`. */
  waitFor(what: string, match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
}

/** A logger at `debug` whose lines are kept, and can be waited for. */
export function capturingLogger(): CapturingLogger {
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  const waiters = new Set<() => void>();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      const complete = (partial + String(chunk)).split("\n");
      partial = complete.pop() ?? "";
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of waiters) wake();
      done();
    },
  });
  const waitFor: CapturingLogger["waitFor"] = (what, match, timeoutMs = 5000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!lines.some(match)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no log line for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { logger: createLogger({ level: "debug", destination }), lines: () => lines, waitFor };
}
