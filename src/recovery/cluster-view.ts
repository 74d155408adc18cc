import { EtcdUnavailableError, UnsafeRecoveryError } from "../core/errors.js";
import type { EtcdGateway, EtcdMember, MemberList } from "../gateways/etcd/types.js";
import { checkQuorum, type GuardMember } from "./decisions/quorum-guard.js";
import type { StatusProbe } from "./diagnosis/observation.js";
import { probeStatuses, readMemberList, statusOfEntry } from "./diagnosis/observe-cluster.js";
import type { RecoveryRun } from "./recovery-run.js";

/** A fresh look at the real cluster: every configured member's status and the member list. */
export interface ClusterView {
  /** The real cluster's ID (fixed by Diagnose). */
  clusterId: string;
  /** When the members were asked (ms). */
  probedAt: number;
  probes: StatusProbe[];
  list: MemberList;
}

/** The real cluster's ID as Diagnose found it; throws when Diagnose found none (the guard refuses that case first). */
export function realClusterId(run: RecoveryRun): string {
  const clusterId = run.state.cluster?.real.clusterId;
  if (clusterId === undefined) throw new Error("the cluster ID is unknown; Diagnose must run first");
  return clusterId;
}

/** Asks every member again and reads the member list from a member of the real cluster. */
export async function viewCluster(run: RecoveryRun): Promise<ClusterView> {
  const { ctx } = run;
  const clusterId = realClusterId(run);
  const probedAt = ctx.clock.now();
  const probes = await probeStatuses(ctx.etcd, ctx.cluster.members);
  const read = await readMemberList(ctx.etcd, probes, clusterId);
  if (!read.list) {
    throw new EtcdUnavailableError(
      `no member of cluster ${ctx.cluster.namespace}/${ctx.cluster.name} returned the member list: ${read.error}`,
      ctx.cluster.members.map((m) => m.clientURL),
    );
  }
  return { clusterId, probedAt, probes, list: read.list };
}

/** The gateway that sends membership changes to the real cluster only. */
export function membershipGateway(run: RecoveryRun): EtcdGateway {
  return run.state.membership ?? run.ctx.etcd;
}

/** The list's members as the quorum guard sees them: voting or not, healthy (answers for the cluster, knows a leader) or not. */
export function guardMembers(
  members: readonly EtcdMember[],
  probes: readonly StatusProbe[],
  clusterId: string,
): GuardMember[] {
  return members.map((entry) => {
    const status = statusOfEntry(entry, probes, clusterId);
    return {
      id: entry.id,
      isLearner: entry.isLearner,
      healthy: status !== undefined && status.leader !== "0",
      answers: status !== undefined,
    };
  });
}

/**
 * Throws the guard's UnsafeRecoveryError when the cluster as seen now could not take a membership change
 * (with `votingAdd`: one that also raises the quorum) without losing quorum.
 */
export function ensureQuorum(run: RecoveryRun, view: ClusterView, options: { votingAdd: boolean }): void {
  const verdict = checkQuorum({
    asked: view.probes.length,
    answered: view.probes.filter((p) => p.status).length,
    members: guardMembers(view.list.members, view.probes, view.clusterId),
    removals: [],
    votingAdd: options.votingAdd,
    memberName: run.ctx.member.name,
  });
  if (!verdict.safe) throw new UnsafeRecoveryError(verdict.reason, verdict.message);
}
