import { UnsafeRecoveryError } from "../core/errors.js";
import { decideDeadMembers } from "./decisions/dead-members.js";
import { checkQuorum, type GuardMember } from "./decisions/quorum.js";
import { unconfiguredMembers } from "./decisions/members.js";
import { guardMembers, describeEntry, deadMemberCandidates } from "./cluster-view.js";
import type { Diagnosis } from "./diagnose.js";
import type { MemberList } from "../gateways/etcd/etcd-gateway.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { checkStatefulSet, refuseOtherLearner } from "./guard-statefulset.js";
import { refuseConfigFile } from "./guard-config-file.js";
import { joinsByItself } from "./member-workload.js";

/** A diagnosis that leads to action: the member needs recovering, or an earlier attempt is to be finished. */
export type ActingDiagnosis = Diagnosis & { verdict: "recover" | "resume-promote" | "resume-verify" };

/** What Guard cleared: the steps after it act on this. */
export interface Plan {
  /** What Diagnose found and decided. */
  diagnosis: ActingDiagnosis;
  /** The ID of the real cluster, whose member list Guard read. */
  clusterId: string;
  /** The real cluster's member list as Guard checked it. */
  list: MemberList;
  /** IDs of the members Remove is expected to remove. */
  removals: string[];
}

/**
 * Step 3, Guard: refuse (UnsafeRecoveryError, nothing changed) when the member's etcd reads a configuration
 * file, when etcd lists a member the configuration does not have, when quorum is lost, when the cluster ID is
 * wrong or unclear, or when the plan itself would lose quorum (a voting add). Also works out which members
 * Remove is expected to remove.
 */
export async function guard(run: RecoveryRun, diagnosis: ActingDiagnosis): Promise<StepOutcome<Plan>> {
  const { ctx } = run;
  const { real, list, probes } = diagnosis.cluster;
  if (diagnosis.verdict === "recover") refuseConfigFile(run, diagnosis);
  if (ctx.member.workload.kind === "StatefulSet") checkStatefulSet(diagnosis);
  if (diagnosis.verdict === "recover" && list) refuseOtherLearner(list, run);

  const unknown = list ? unconfiguredMembers(list.members, ctx.cluster.members) : [];
  if (unknown.length > 0) {
    const which = unknown.map((entry) => describeEntry(entry, ctx.cluster.members)).join(", ");
    const them = unknown.length > 1 ? "them" : "it";
    throw new UnsafeRecoveryError(
      "unconfigured-member",
      `etcd lists ${unknown.length > 1 ? "members" : "member"} ${which}, which the configuration of ` +
        `${ctx.cluster.namespace}/${ctx.cluster.name} does not have: the responder never removes a member it ` +
        `does not know and could not verify such a cluster; add ${them} to the configuration, or remove ${them} ` +
        `with etcdctl member remove, then run again`,
    );
  }

  const removals: string[] = [];
  const notes: string[] = [];
  let members: GuardMember[] | undefined;
  if (list && real.clusterId !== undefined) {
    const clusterId = real.clusterId;
    members = guardMembers(list.members, probes, clusterId);
    if (diagnosis.verdict === "recover") {
      const source = { clusterId, probedAt: diagnosis.cluster.probedAt, probes, members: list.members };
      const candidates = await deadMemberCandidates(ctx, source, new Map(), { assumeOwnPodGone: true });
      const decisions = decideDeadMembers(candidates, {
        now: ctx.clock.now(),
        deadAfterMs: ctx.settings.deadAfterSeconds * 1000,
      });
      for (const decision of decisions) {
        if (decision.verdict === "alive") continue;
        removals.push(decision.id);
        const entry = list.members.find((m) => m.id === decision.id);
        const own = candidates.find((c) => c.id === decision.id)?.own;
        const replaced = ctx.member.workload.kind === "StatefulSet" ? "replaced in Start" : "stopped first";
        const why = own
          ? `it is the member being recovered; its Pod is ${replaced} and its entry replaced`
          : decision.reason;
        const when = decision.verdict === "undecided" ? "will be removed if it stays unreachable" : "will be removed";
        if (entry) notes.push(`member ${describeEntry(entry, ctx.cluster.members)} ${when}: ${why}`);
      }
    }
  }

  const verdict = checkQuorum({
    asked: probes.length,
    answered: probes.filter((p) => p.status).length,
    ...(real.problem ? { clusterProblem: real.problem } : {}),
    ...(members ? { members } : {}),
    removals,
    votingAdd: diagnosis.verdict === "recover" && (!ctx.cluster.useLearners || joinsByItself(ctx.cluster)),
    memberName: ctx.member.name,
  });
  if (!verdict.safe) throw new UnsafeRecoveryError(verdict.reason, verdict.message);
  // The guard refuses a cluster without an ID or a member list, so a safe verdict has both.
  if (!list || real.clusterId === undefined) throw new Error("the guard passed a cluster it could not read");
  for (const note of notes) run.progress(note);
  return {
    outcome: "done",
    detail: `safe: ${verdict.summary}`,
    event: { type: "Normal", reason: "QuorumChecked", message: verdict.summary },
    result: { diagnosis, clusterId: real.clusterId, list, removals },
  };
}
