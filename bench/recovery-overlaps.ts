import type { RecoveryRecord } from "../src/queue/recovery-queue.js";

/** Two recoveries of one cluster that ran at the same time. */
export interface RecoveryOverlap {
  /** The cluster, `namespace/name`. */
  cluster: string;
  /** The recovery that started first, and the one that started before it ended. */
  first: string;
  second: string;
}

/**
 * The recoveries of one cluster that ran at the same time: one started (`startedAt`) before another of the same
 * cluster had finished (`finishedAt`). Recoveries that have not both times are left out. Empty when every cluster
 * ran its recoveries one at a time.
 */
export function overlappingRecoveries(records: readonly RecoveryRecord[]): RecoveryOverlap[] {
  const byCluster = new Map<string, { id: string; start: number; end: number }[]>();
  for (const record of records) {
    if (!record.startedAt || !record.finishedAt) continue;
    const cluster = `${record.namespace}/${record.cluster}`;
    const runs = byCluster.get(cluster) ?? [];
    runs.push({ id: record.id, start: Date.parse(record.startedAt), end: Date.parse(record.finishedAt) });
    byCluster.set(cluster, runs);
  }
  const overlaps: RecoveryOverlap[] = [];
  for (const [cluster, runs] of byCluster) {
    runs.sort((a, b) => a.start - b.start);
    let latest = runs[0];
    for (const run of runs.slice(1)) {
      if (latest && run.start < latest.end) overlaps.push({ cluster, first: latest.id, second: run.id });
      if (!latest || run.end > latest.end) latest = run;
    }
  }
  return overlaps;
}
