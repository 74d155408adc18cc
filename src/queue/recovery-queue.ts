import type { ClusterMember } from "../core/catalog.js";
import type { RecoveryMode } from "../core/config/types.js";
import type { RecoveryOutcome, StepRecord } from "../recovery/context.js";

/** Where a recovery is in its life. `skipped`: the member was already healthy; `refused`: acting was unsafe. */
export type RecoveryState = "queued" | "running" | RecoveryOutcome;

export const RECOVERY_STATES: readonly RecoveryState[] = [
  "queued",
  "running",
  "succeeded",
  "skipped",
  "refused",
  "failed",
];

/** What asked for a recovery. */
export type RecoveryTrigger =
  | {
      kind: "alert";
      alertname: string;
      fingerprint: string;
      receiver: string;
      pod: string;
      /** When the alert started firing (ISO), as Alertmanager says; repeats of one alert keep it. */
      startsAt?: string;
    }
  | { kind: "manual" }
  | { kind: "sweep"; pod?: string };

/** One member of one configured cluster to recover, and why. */
export interface RecoveryRequest {
  /** The member, as the cluster catalog resolved it. */
  target: ClusterMember;
  trigger: RecoveryTrigger;
  /** The cluster's mode as the caller just read it; saves the queue reading it again. */
  expectedMode?: RecoveryMode;
}

/** The answer to an enqueue: the recovery's id, and whether an already queued one absorbed the request. */
export interface EnqueueResult {
  id: string;
  cluster: string;
  namespace: string;
  member: number;
  /** True when a recovery of this member was already queued (or running) and this request joined it. */
  deduplicated: boolean;
}

/** A recovery as the API shows it. */
export interface RecoveryRecord {
  id: string;
  cluster: string;
  namespace: string;
  member: number;
  state: RecoveryState;
  /** `act` changes the cluster; `observe` only diagnoses and records the plan. */
  mode: RecoveryMode;
  trigger: RecoveryTrigger;
  /** ISO times. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Attempts made so far (transient failures are retried with back-off). */
  attempts: number;
  steps: StepRecord[];
  /** Why it ended as it did. */
  reason?: string;
  /** The last error message, if any. */
  error?: string;
  /** In observe mode: what the recovery would do. */
  plan?: string[];
  /**
   * A `failed` recovery that had changed the member: the state its Deployment is left in (e.g. at 0 replicas),
   * for a human to pick up.
   */
  leftChanged?: string;
}

/** Which recoveries to list; every field narrows. */
export interface RecoveryFilter {
  /** A cluster's name (in any namespace) or `namespace/name`. */
  cluster?: string;
  /** A member index. */
  member?: number;
  /** One state. */
  state?: RecoveryState;
  /** At most this many, newest first; default 100. */
  limit?: number;
}

/** The queue of recoveries as the HTTP API and the CLI see it. */
export interface RecoveryQueue {
  /**
   * Queues a recovery unless one of the same member is already queued or running (then `deduplicated`),
   * or, for an alert, unless the member was recovered after the alert started (also `deduplicated`, with
   * that recovery's id): Alertmanager repeats an alert until it resolves, after the failure was fixed.
   * Rejects with a retryable QueueUnavailableError when Redis cannot be reached; nothing is half-written. When
   * replicas must confirm (`RedisConnection.waitReplicas`), resolves only once they hold the recovery, and
   * rejects with a retryable ReplicationUnconfirmedError otherwise: the request sent again joins it.
   */
  enqueue(request: RecoveryRequest): Promise<EnqueueResult>;
  /**
   * The recovery `request` would join (`deduplicated`), or undefined when `enqueue` would queue a new one;
   * changes nothing. In one Redis round trip, so that a caller can run it alongside another read and
   * answer the repeats of a storm without `enqueue`. When replicas must confirm, a recovery found is confirmed
   * first (a marker write and `WAIT`, one more round trip), or a ReplicationUnconfirmedError rejects.
   */
  findJoinable(request: RecoveryRequest): Promise<EnqueueResult | undefined>;
  /** One recovery, or undefined when unknown or aged out of the history. */
  get(id: string): Promise<RecoveryRecord | undefined>;
  /** Recoveries, newest first. */
  list(filter: RecoveryFilter): Promise<RecoveryRecord[]>;
  /** Resolves when Redis answers on each of the queue's connections; rejects with QueueUnavailableError otherwise. */
  ping(): Promise<void>;
  /** Recoveries waiting to run, per cluster (`namespace/name`), for metrics and autoscaling. */
  waitingCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
