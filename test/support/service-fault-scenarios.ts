import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { TestRedis } from "./redis-server.js";
import { isFinal, stepWindow, waitForRecovery, type ServiceApi } from "./service-api.js";

/** The step that ends once a member's workload was changed: Stop for a Deployment, Hold for a StatefulSet. */
const WORKLOAD_CHANGED = ["stop", "hold"];

/** Whether the recovery has ended, or its member's workload was changed (Stop or Hold ended). */
function pastWorkloadChange(record: RecoveryRecord): boolean {
  return isFinal(record) || record.steps.some((s) => WORKLOAD_CHANGED.includes(s.name));
}

/** Queues a recovery through the service's API and resolves with its id; rejects when it is not accepted. */
export async function queueRecovery(api: ServiceApi, cluster: string, member: number): Promise<string> {
  const queued = await api.post("/v1/recoveries", { cluster, member });
  if (queued.status !== 202)
    throw new Error(`POST /v1/recoveries answered ${queued.status}: ${JSON.stringify(queued.body)}`);
  return (queued.body as { id: string }).id;
}

/** What became of a recovery a fault met. */
export interface FaultedRecovery {
  /** The record when the fault began: `running` unless the recovery had already ended. */
  whenFaulted: RecoveryRecord;
  /** The record once it ended. */
  record: RecoveryRecord;
}

/**
 * Queues a recovery of `member`, runs `fault` once the member's workload was changed (Stop or Hold ended), so that it
 * lands on Remove, Add and Start, and resolves once the recovery has ended.
 */
export async function recoverWithServiceFault(
  api: ServiceApi,
  cluster: string,
  member: number,
  fault: () => Promise<unknown>,
): Promise<FaultedRecovery> {
  const id = await queueRecovery(api, cluster, member);
  const whenFaulted = await waitForRecovery(api, id, pastWorkloadChange, 90_000, 50);
  await fault();
  const record = await waitForRecovery(api, id, isFinal, 120_000);
  return { whenFaulted, record };
}

/** What became of two recoveries of one cluster while Redis restarted under them. */
export interface RedisRestartOutcome {
  /** Their states, sorted, when Redis was restarted: `queued` and `running` when one waited behind the other. */
  statesAtRestart: string[];
  /** Their records once both ended, in the order queued. */
  records: RecoveryRecord[];
}

/**
 * Queues a recovery of each of `members` (of one cluster: one runs, the others wait for its Lease), restarts Redis
 * with `redisArgs` once one of them changed its member's workload, and resolves once all have ended.
 */
export async function restartRedisUnderRecoveries(
  api: ServiceApi,
  redis: TestRedis,
  redisArgs: readonly string[],
  cluster: string,
  members: readonly number[],
): Promise<RedisRestartOutcome> {
  const ids = await Promise.all(members.map((member) => queueRecovery(api, cluster, member)));
  const started = ids.map((id) => waitForRecovery(api, id, pastWorkloadChange, 90_000, 50));
  // Only the first to get there matters; the others may fail to poll while Redis restarts.
  for (const waiting of started) waiting.catch(() => undefined);
  await Promise.race(started);
  const before = await Promise.all(ids.map((id) => api.get(`/v1/recoveries/${id}`)));
  const statesAtRestart = before.map((answer) => (answer.body as RecoveryRecord).state as string).sort();
  await redis.restart(redisArgs);
  const records: RecoveryRecord[] = [];
  for (const id of ids) records.push(await waitForRecovery(api, id, isFinal, 180_000));
  return { statesAtRestart, records };
}

/** Whether no two of the recoveries held their cluster at once: each one's steps end before the next one's start. */
export function oneAtATime(records: readonly RecoveryRecord[]): boolean {
  const windows = records.map(stepWindow).sort((a, b) => a.from - b.from);
  return windows.every((w, i) => i === 0 || windows[i - 1]!.to <= w.from);
}

/**
 * Freezes a process (SIGSTOP) for `ms` and lets it go on (SIGCONT), whatever happens meanwhile: the fault itself is
 * a fixed length of time.
 */
export async function freezeProcess(pid: number, ms: number): Promise<void> {
  process.kill(pid, "SIGSTOP");
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    process.kill(pid, "SIGCONT");
  }
}
