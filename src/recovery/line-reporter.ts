import type { StepReporter } from "./recovery-context.js";

/**
 * A StepReporter that writes one human line per progress line and step end, `[step] ...`, e.g.
 * `[stop] scaled Deployment example-3 to 0; Pod gone after 0.4 s`.
 */
export function createLineReporter(write: (line: string) => void): StepReporter {
  return {
    stepStarted: () => undefined,
    progress: (step, line) => write(`[${step}] ${line}`),
    stepEnded: (record) => {
      const prefix = record.outcome === "skipped" ? "skipped: " : record.outcome === "failed" ? "FAILED: " : "";
      write(`[${record.name}] ${prefix}${record.detail}`);
    },
  };
}
