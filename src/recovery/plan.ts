import { describeEntry } from "./cluster-view.js";
import { initialClusterValue } from "./decisions/initial-cluster.js";
import { planLines } from "./decisions/plan-lines.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun } from "./recovery-run.js";

/** What the recovery would do, from what Diagnose and Guard found (observe mode), one human line each. */
export function describePlan(run: RecoveryRun, plan: Plan): string[] {
  const { ctx } = run;
  const { diagnosis, list, removals: removing } = plan;
  const removals = list.members.filter((m) => removing.includes(m.id));
  const remaining = list.members.filter((m) => !removing.includes(m.id));
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
  const replicas = diagnosis.member.deployment?.spec?.replicas ?? 1;
  const snapshots = ctx.cluster.snapshots;
  const source = diagnosis.cluster.probes.find(
    (p) =>
      p.status &&
      p.status.clusterId === plan.clusterId &&
      !p.status.isLearner &&
      p.status.leader !== "0" &&
      p.member.index !== ctx.member.index,
  );
  return planLines({
    verdict: diagnosis.verdict,
    deployment: ctx.member.deployment,
    memberName: ctx.member.name,
    peerURL: ctx.member.peerURL,
    running: replicas > 0 || diagnosis.member.pods.length > 0,
    ...(snapshots.enabled && source
      ? { snapshot: { from: source.member.clientURL, dir: snapshots.dir, keep: snapshots.keep } }
      : {}),
    removals: removals.map((m) => describeEntry(m, ctx.cluster.members)),
    learner: ctx.cluster.useLearners,
    ...(initialCluster !== undefined ? { initialCluster } : {}),
  });
}
