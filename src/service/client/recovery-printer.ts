import type { RecoveryRecord } from "../../queue/recovery-queue.js";
import { createLineReporter } from "../../recovery/report.js";
import { FINAL_STATES } from "./follow-recovery.js";

/** Prints a followed recovery for people: state changes, each step once as it ends, the plan and the end. */
export interface RecoveryPrinter {
  /** Prints what is new in `record` since the records before it. */
  show(record: RecoveryRecord): void;
}

/**
 * Lines as the `recover` command prints them (`[stop] scaled Deployment example-3 to 0; ...`), plus
 * `running (attempt 1)`, `queued again after attempt 1: ...` and a last line `<state>: <reason>`.
 */
export function createRecoveryPrinter(write: (line: string) => void): RecoveryPrinter {
  const steps = createLineReporter(write);
  const printed = new Set<string>();
  let lastState: RecoveryRecord["state"] | undefined;
  let lastAttempts = 0;

  const printNewSteps = (record: RecoveryRecord) => {
    for (const step of record.steps) {
      // A retried recovery starts its steps again; their start times tell the attempts apart.
      const key = `${step.name}@${step.startedAt}`;
      if (printed.has(key)) continue;
      printed.add(key);
      steps.stepEnded(step);
    }
  };

  return {
    show: (record) => {
      const final = FINAL_STATES.includes(record.state);
      if (record.state === "running" && (lastState !== "running" || record.attempts !== lastAttempts)) {
        write(
          `running (attempt ${Math.max(1, record.attempts)}${record.mode === "observe" ? ", observe mode: nothing is changed" : ""})`,
        );
      }
      if (record.state === "queued" && lastState === "running") {
        write(`queued again after attempt ${record.attempts}${record.error ? `: ${record.error}` : ""}`);
      }
      printNewSteps(record);
      if (final && lastState !== record.state) {
        if (record.plan) {
          write("plan (observe mode: nothing was changed):");
          record.plan.forEach((line, index) => write(`  ${index + 1}. ${line}`));
        }
        write(`${record.state}: ${record.reason ?? record.error ?? "no reason given"}`);
      }
      lastState = record.state;
      lastAttempts = record.attempts;
    },
  };
}
