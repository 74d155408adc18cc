import { describeEntry } from "./cluster-view.js";
import { initialClusterValue } from "./decisions/initial-cluster.js";
import { planLines } from "./decisions/plan-lines.js";
import { claimWipeReason } from "./decisions/claim-renewal.js";
import { claimOfDeployment } from "./member-layout.js";
import { joinsByItself } from "./member-workload.js";
import { recordedClaimRenewal } from "./renew-claim.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun } from "./recovery-run.js";

/**
 * The `--initial-cluster` the member will start with, worked out before the add: the member list without the members
 * Guard expects Remove to remove, plus the member under its configured name and peer URL (what MemberAdd will
 * answer, by names and peer URLs). Throws when a listed member that never started is not configured.
 */
export function expectedInitialCluster(run: RecoveryRun, plan: Plan): string {
  const { ctx } = run;
  const remaining = plan.list.members.filter((m) => !plan.removals.includes(m.id));
  const newcomer = {
    id: "(new)",
    name: "",
    peerURLs: [ctx.member.peerURL],
    clientURLs: [],
    isLearner: ctx.cluster.useLearners,
  };
  return initialClusterValue([...remaining, newcomer], { id: newcomer.id, name: ctx.member.name }, ctx.cluster.members);
}

/** What the recovery would do, from what Diagnose and Guard found (observe mode), one human line each. */
export function describePlan(run: RecoveryRun, plan: Plan): string[] {
  const { ctx } = run;
  const { diagnosis, list, removals: removing } = plan;
  const removals = list.members.filter((m) => removing.includes(m.id));
  let initialCluster: string | undefined;
  try {
    initialCluster = expectedInitialCluster(run, plan);
  } catch {
    initialCluster = undefined;
  }
  const replicas = diagnosis.member.object?.spec?.replicas ?? 1;
  const snapshots = ctx.cluster.snapshots;
  const source = diagnosis.cluster.probes.find(
    (p) =>
      p.status &&
      p.status.clusterId === plan.clusterId &&
      !p.status.isLearner &&
      p.status.leader !== "0" &&
      p.member.index !== ctx.member.index,
  );
  const claim = ctx.member.workload.kind === "Deployment" ? claimOfDeployment(diagnosis.member.object) : undefined;
  const wipe =
    claim === undefined
      ? undefined
      : (recordedClaimRenewal(diagnosis.member.object)?.reason ??
        claimWipeReason(ctx.cluster.deleteClaim, diagnosis.member.log));
  return planLines({
    verdict: diagnosis.verdict,
    workload: ctx.member.workload,
    memberName: ctx.member.name,
    peerURL: ctx.member.peerURL,
    running: replicas > 0 || diagnosis.member.pods.length > 0,
    ...(snapshots.enabled && source
      ? { snapshot: { from: source.member.clientURL, dir: snapshots.dir, keep: snapshots.keep } }
      : {}),
    removals: removals.map((m) => describeEntry(m, ctx.cluster.members)),
    learner: ctx.cluster.useLearners && !joinsByItself(ctx.cluster),
    ...(joinsByItself(ctx.cluster) ? { joinsByItself: true } : {}),
    ...(initialCluster !== undefined ? { initialCluster } : {}),
    ...(claim !== undefined && wipe !== undefined ? { claimRenewal: { claim, reason: wipe } } : {}),
  });
}
