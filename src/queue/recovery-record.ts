import type { Job } from "bullmq";
import type { RecoveryJobData, RecoveryJobProgress, RecoveryJobResult } from "./recovery-job.js";
import type { RecoveryRecord, RecoveryState } from "./recovery-queue.js";

/** A recovery job as BullMQ keeps it. */
export type RecoveryJob = Job<RecoveryJobData, RecoveryJobResult>;

/** The API's view of a recovery job in `state`. Steps come from the return value when finished, else from the progress. */
export function toRecoveryRecord(job: RecoveryJob, state: RecoveryState): RecoveryRecord {
  const data = job.data;
  const finished = state !== "queued" && state !== "running";
  const result =
    state === "succeeded" || state === "skipped" || state === "refused"
      ? (job.returnvalue as RecoveryJobResult | null)
      : null;
  const progress = readProgress(job.progress);
  const reason = result?.reason ?? (state === "failed" ? job.failedReason : undefined);
  const error = result?.error ?? progress.error ?? (state === "failed" ? job.failedReason : undefined);
  return {
    id: job.id ?? "",
    cluster: data.cluster,
    namespace: data.namespace,
    member: data.member,
    state,
    mode: data.mode === "observe" ? "observe" : "act",
    trigger: data.trigger,
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.processedOn ? { startedAt: new Date(job.processedOn).toISOString() } : {}),
    ...(finished && job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
    // A worker that died mid-run made an attempt too, though BullMQ counts it only as started.
    attempts: Math.max(job.attemptsMade, job.attemptsStarted ?? 0),
    steps: result?.steps ?? progress.steps,
    ...(reason ? { reason } : {}),
    ...(error ? { error } : {}),
    ...(result?.plan ? { plan: result.plan } : {}),
  };
}

function readProgress(progress: unknown): RecoveryJobProgress {
  if (typeof progress !== "object" || progress === null) return { steps: [] };
  const { steps, error } = progress as Partial<RecoveryJobProgress>;
  return { steps: Array.isArray(steps) ? steps : [], ...(typeof error === "string" ? { error } : {}) };
}
