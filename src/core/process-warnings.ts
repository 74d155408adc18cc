import type { Logger } from "./logger.js";

/**
 * Sends the process's warnings (a deprecation such as a library's TLS server name set to an IP address, too many
 * listeners on an emitter) to `logger`, one structured line each at `warn`, in place of the lines Node itself
 * writes to standard error, which a log pipeline that reads JSON would trip over.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning: Error & { code?: string }) => {
    logger.warn({ warning: { name: warning.name, code: warning.code, message: warning.message } }, "process warning");
  });
}
