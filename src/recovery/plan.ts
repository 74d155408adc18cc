import { initialClusterValue } from "./decisions/initial-cluster.js";
import { planLines } from "./decisions/plan-lines.js";
import { describeEntry } from "./cluster-view.js";
import type { RecoveryRun } from "./recovery-run.js";

/** What the recovery would do, from what Diagnose and Guard found (plan mode). */
export function planRecovery(run: RecoveryRun): string[] {
  const { ctx, state } = run;
  const verdict = state.diagnosis?.verdict;
  if (verdict !== "recover" && verdict !== "resume-promote" && verdict !== "resume-verify") return [];
  const list = state.cluster?.list;
  const removals = (list?.members ?? []).filter((m) => state.expectedRemovals.includes(m.id));
  const remaining = (list?.members ?? []).filter((m) => !state.expectedRemovals.includes(m.id));
  const newcomer = {
    id: "(new)",
    name: "",
    peerURLs: [ctx.member.peerURL],
    clientURLs: [],
    isLearner: ctx.cluster.useLearners,
  };
  let initialCluster: string | undefined;
  try {
    initialCluster = initialClusterValue(
      [...remaining, newcomer],
      { id: newcomer.id, name: ctx.member.name },
      ctx.cluster.members,
    );
  } catch {
    initialCluster = undefined;
  }
  const replicas = state.member?.deployment?.spec?.replicas ?? 1;
  const snapshots = ctx.cluster.snapshots;
  const source = state.cluster?.probes.find(
    (p) =>
      p.status &&
      p.status.clusterId === state.cluster?.real.clusterId &&
      !p.status.isLearner &&
      p.status.leader !== "0" &&
      p.member.index !== ctx.member.index,
  );
  return planLines({
    verdict,
    deployment: ctx.member.deployment,
    memberName: ctx.member.name,
    peerURL: ctx.member.peerURL,
    running: replicas > 0 || (state.member?.pods.length ?? 0) > 0,
    ...(snapshots.enabled && source
      ? { snapshot: { from: source.member.clientURL, dir: snapshots.dir, keep: snapshots.keep } }
      : {}),
    removals: removals.map((m) => describeEntry(m, ctx.cluster.members)),
    learner: ctx.cluster.useLearners,
    ...(initialCluster !== undefined ? { initialCluster } : {}),
  });
}
