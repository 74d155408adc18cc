import { join } from "node:path";
import { bytes, seconds } from "./report.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { readdir, rm } from "node:fs/promises";

/**
 * Step 4, Snapshot: before the first membership change, save the key space from a healthy voting member
 * (a follower when one answers, to spare the leader), then keep only the newest snapshots of the cluster.
 */
export async function snapshot(run: RecoveryRun, plan: Plan): Promise<StepOutcome> {
  const { ctx } = run;
  const settings = ctx.cluster.snapshots;
  if (!settings.enabled) return { outcome: "skipped", detail: "snapshots are disabled for this cluster" };
  if (plan.diagnosis.verdict !== "recover")
    return { outcome: "skipped", detail: "resuming after the membership changes; no snapshot needed" };

  const { clusterId } = plan;
  const healthy = plan.diagnosis.cluster.probes.filter(
    (p) =>
      p.status &&
      p.status.clusterId === clusterId &&
      !p.status.isLearner &&
      p.status.leader !== "0" &&
      p.member.index !== ctx.member.index,
  );
  const source = healthy.find((p) => p.status?.leader !== p.status?.memberId) ?? healthy[0];
  if (!source) throw new Error("no healthy voting member to take a snapshot from");

  const file = join(settings.dir, snapshotFileName(ctx.cluster.name, ctx.clock.now()));
  const startedAt = ctx.clock.now();
  const saved = await ctx.etcd.snapshot(source.member.clientURL, file);
  const took = ctx.clock.now() - startedAt;

  const directory = ctx.snapshotDirectory ?? localSnapshotDirectory;
  const stale = snapshotsToPrune(await directory.list(settings.dir), ctx.cluster.name, settings.keep);
  for (const name of stale) await directory.remove(join(settings.dir, name));
  const pruned =
    stale.length > 0
      ? `; removed ${stale.length} older snapshot${stale.length > 1 ? "s" : ""} (keeping ${settings.keep})`
      : "";

  return {
    outcome: "done",
    detail: `saved ${bytes(saved.bytes)} from ${source.member.clientURL} to ${file} in ${seconds(took)}${pruned}`,
    event: { type: "Normal", reason: "SnapshotTaken", message: `Snapshot of ${bytes(saved.bytes)} saved to ${file}` },
  };
}

/** Where snapshot files live: listed to prune old ones. */
export interface SnapshotDirectory {
  /** File names in `dir`; empty when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Deletes a file; a missing file is fine. */
  remove(path: string): Promise<void>;
}

/** The local file system. */
const localSnapshotDirectory: SnapshotDirectory = {
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  },
  remove: (path) => rm(path, { force: true }),
};

/** `<cluster>-<UTC time>.db`, e.g. `example-20240102T030405.678Z.db`: names sort by time. */
export function snapshotFileName(cluster: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "");
  return `${cluster}-${stamp}.db`;
}

/**
 * The snapshot files of `cluster` to delete so that the newest `keep` remain. Other clusters' files (even
 * `example-a-...` next to `example-...`), partial downloads and foreign files are left alone.
 */
export function snapshotsToPrune(fileNames: readonly string[], cluster: string, keep: number): string[] {
  const escaped = cluster.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}-(\\d{8}T\\d{6}(\\.\\d{3})?Z)\\.db$`);
  const ours = fileNames.filter((name) => pattern.test(name)).sort();
  return ours.slice(0, Math.max(0, ours.length - keep));
}
