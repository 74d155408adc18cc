import { join } from "node:path";
import { bytes, seconds } from "../format.js";
import type { RecoveryRun, StepOutcome } from "../recovery-run.js";
import { localSnapshotDirectory } from "../snapshots/snapshot-directory.js";
import { snapshotFileName, snapshotsToPrune } from "../snapshots/snapshot-files.js";

/**
 * Step 4, Snapshot: before the first membership change, save the key space from a healthy voting member
 * (a follower when one answers, to spare the leader), then keep only the newest snapshots of the cluster.
 */
export async function takeSnapshot(run: RecoveryRun): Promise<StepOutcome> {
  const { ctx, state } = run;
  const settings = ctx.cluster.snapshots;
  if (!settings.enabled) return { outcome: "skipped", detail: "snapshots are disabled for this cluster" };
  if (state.diagnosis?.verdict !== "recover")
    return { outcome: "skipped", detail: "resuming after the membership changes; no snapshot needed" };

  const clusterId = state.cluster?.real.clusterId;
  const healthy = (state.cluster?.probes ?? []).filter(
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
