import type { JobState, JobType } from "bullmq";
import type { RecoveryJobResult } from "./recovery-job.js";
import type { RecoveryState } from "./recovery-queue.js";

/** The BullMQ job states a recovery state is found in; completed jobs still need their outcome checked. */
export const BULLMQ_STATES: Readonly<Record<RecoveryState, readonly JobType[]>> = {
  queued: ["waiting", "delayed", "prioritized", "waiting-children"],
  running: ["active"],
  succeeded: ["completed"],
  skipped: ["completed"],
  refused: ["completed"],
  failed: ["failed"],
};

/** Every BullMQ state a recovery can be in. */
export const ALL_BULLMQ_STATES: readonly JobType[] = [...new Set(Object.values(BULLMQ_STATES).flat())];

/** A recovery's state from its job's BullMQ state (and, when completed, its outcome); undefined when the job is gone. */
export function recoveryStateOf(
  state: JobState | "unknown",
  result: RecoveryJobResult | undefined,
): RecoveryState | undefined {
  switch (state) {
    case "waiting":
    case "delayed":
    case "prioritized":
    case "waiting-children":
      return "queued";
    case "active":
      return "running";
    case "completed":
      return result?.outcome ?? "succeeded";
    case "failed":
      return "failed";
    default:
      return undefined;
  }
}
