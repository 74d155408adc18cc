import type { StepRecord } from "../recovery/context.js";
import type { RecoveryMode, ServiceSettings } from "../core/config/types.js";
import type { RecoveryRecord, RecoveryState, RecoveryTrigger } from "./recovery-queue.js";
import { randomBytes } from "node:crypto";
import type { JobsOptions, JobState, JobType, Job } from "bullmq";

/** What a recovery job holds: which member (by name, no secrets), why, and the mode it runs in. */
export interface RecoveryJobData {
  /** The cluster's name. */
  cluster: string;
  /** The cluster's namespace. */
  namespace: string;
  /** Member index, 1-based. */
  member: number;
  trigger: RecoveryTrigger;
  /** Expected at enqueue from the cluster's mode, replaced by the mode actually used when it runs. */
  mode: RecoveryMode;
}

/** The return value of a completed recovery job. */
export interface RecoveryJobResult {
  /** How it ended; failures are failed jobs, not return values. */
  outcome: "succeeded" | "skipped" | "refused";
  /** Why it ended so. */
  reason: string;
  /** The steps of the last attempt. */
  steps: StepRecord[];
  /** In observe mode: what the recovery would do. */
  plan?: string[];
  /** For a refusal: the error message behind it. */
  error?: string;
}

/** A running recovery's progress, written as its steps end. */
export interface RecoveryJobProgress {
  /** The steps of the current (or last) attempt that have ended. */
  steps: StepRecord[];
  /** The last error message of any attempt, kept across retries. */
  error?: string;
  /** The state a failed attempt left the member's Deployment in, once the recovery had changed it. */
  leftChanged?: string;
}

/** Name of the BullMQ queue of one cluster; BullMQ forbids `:` and DNS labels have none. */
export function recoveryQueueName(namespace: string, cluster: string): string {
  return `recover.${namespace}.${cluster}`;
}

/** The deduplication id that keeps one queued or running recovery per member. */
export function deduplicationId(namespace: string, cluster: string, member: number): string {
  return `${namespace}/${cluster}/${member}`;
}

/** The key `waitingCounts` and filters use for a cluster. */
export function clusterKey(namespace: string, cluster: string): string {
  return `${namespace}/${cluster}`;
}

/** The BullMQ job name of every recovery. */
export const RECOVERY_JOB_NAME = "recover";

/**
 * Redis key holding when a member was last recovered or found healthy (`<ms since epoch> <recovery id>`): an
 * alert that started before then describes a failure that is over.
 */
export function lastRecoveredKey(prefix: string, namespace: string, cluster: string, member: number): string {
  return `${prefix}:recovered:${deduplicationId(namespace, cluster, member)}`;
}

/** What a recovery's id tells without asking Redis. */
export interface RecoveryJobIdParts {
  /** The cluster name (not the namespace). */
  cluster: string;
  /** The member index. */
  member: number;
  /** When the recovery was queued, ms since the epoch. */
  createdAt: number;
}

/**
 * A readable, unique recovery id: `<cluster>-<member>-<time base 36>-<6 hex>`, e.g. `orders-3-mf2k9x1a-4be01c`.
 * The time lets lists sort and filter by id alone; the random part keeps ids of the same millisecond apart.
 */
export function newRecoveryJobId(cluster: string, member: number, now: number = Date.now()): string {
  return `${cluster}-${member}-${now.toString(36)}-${randomBytes(3).toString("hex")}`;
}

const ID_PATTERN = /^(.+)-([1-9][0-9]*)-([0-9a-z]+)-([0-9a-f]{6})$/;

/**
 * The parts of an id made by `newRecoveryJobId`; undefined for anything else. Parsed from the right, as cluster names
 * hold `-`.
 */
export function parseRecoveryJobId(id: string): RecoveryJobIdParts | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, cluster = "", member = "", time = ""] = match;
  const createdAt = parseInt(time, 36);
  if (!Number.isSafeInteger(createdAt)) return undefined;
  return { cluster, member: Number(member), createdAt };
}

/**
 * BullMQ options of every recovery job from the service settings: transient failures retried with
 * exponential back-off, and finished recoveries kept within the history bounds.
 */
export function recoveryJobOptions(service: ServiceSettings): JobsOptions {
  const keep = { age: Math.ceil(service.history.maxAgeHours * 3600), count: service.history.maxRecoveries };
  return {
    attempts: service.retry.attempts,
    backoff: { type: "exponential", delay: Math.round(service.retry.backoffSeconds * 1000) },
    removeOnComplete: keep,
    removeOnFail: keep,
    // Progress lines of the recovery, kept with the job for BullMQ tools; bounded so a chatty run stays small.
    keepLogs: 200,
  };
}

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

/**
 * A recovery's state from its job's BullMQ state (and, when completed, its outcome); undefined when the job is gone.
 */
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

/** A recovery job as BullMQ keeps it. */
export type RecoveryJob = Job<RecoveryJobData, RecoveryJobResult>;

/**
 * The API's view of a recovery job in `state`. Steps come from the return value when finished, else from the progress.
 */
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
    ...(state === "failed" && progress.leftChanged ? { leftChanged: progress.leftChanged } : {}),
  };
}

function readProgress(progress: unknown): RecoveryJobProgress {
  if (typeof progress !== "object" || progress === null) return { steps: [] };
  const { steps, error, leftChanged } = progress as Partial<RecoveryJobProgress>;
  return {
    steps: Array.isArray(steps) ? steps : [],
    ...(typeof error === "string" ? { error } : {}),
    ...(typeof leftChanged === "string" ? { leftChanged } : {}),
  };
}
