import type { Logger } from "../observability/logger.js";
import type { CrashLoopSweep } from "./crash-loop-sweep.js";

/** A sweep that runs on its own until stopped. */
export interface PeriodicSweep {
  /** Stops scheduling sweeps and waits for one under way. */
  stop(): Promise<void>;
}

/**
 * Sweeps at once, then `intervalMs` after each sweep ended (sweeps never overlap within a process).
 */
export function startPeriodicSweep(sweep: CrashLoopSweep, intervalMs: number, processLogger: Logger): PeriodicSweep {
  const logger = processLogger.child({ name: "sweep" });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> | undefined;

  const run = () => {
    current = sweep.sweep().then(
      (report) => {
        logger.debug(
          { requested: report.requested.length, paused: report.paused.length, failed: report.failed.length },
          "sweep done",
        );
      },
      // `sweep` does not reject; this only keeps a surprise from becoming an unhandled rejection.
      (error: unknown) => logger.warn({ err: error }, "sweep failed"),
    );
    void current.then(() => {
      current = undefined;
      if (!stopped) timer = setTimeout(run, intervalMs);
    });
  };
  logger.info({ intervalSeconds: intervalMs / 1000 }, "crash-loop sweep started");
  run();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
