import type { V1Pod } from "@kubernetes/client-node";
import type { WorkloadObject } from "./member-workload.js";
import type { ResolvedMember } from "../core/config/types.js";
import type { MemberList, MemberStatus, EtcdGateway, EtcdMember } from "../gateways/etcd/etcd-gateway.js";
import { type PodFacts, podsOfMember, podPresence } from "./pods.js";
import { type RealCluster, chooseRealCluster } from "./decisions/real-cluster.js";
import { hexId, samePeerURL } from "./decisions/members.js";
import type { RecoveryContext } from "./context.js";
import { EtcdUnavailableError, UnsafeRecoveryError, messageOf } from "../core/errors.js";
import { checkQuorum, type GuardMember } from "./decisions/quorum.js";
import type { DeadMemberCandidate } from "./decisions/dead-members.js";

/** What Kubernetes shows about the member being recovered. */
export interface MemberObservation {
  /** The member's workload: its Deployment, or the cluster's StatefulSet; undefined when it does not exist. */
  object?: WorkloadObject;
  /** The member's Pod selector as a query string. */
  selector?: string;
  /** Every Pod the selector matches. */
  pods: V1Pod[];
  /** The Pod that stands for the member (newest not being deleted). */
  pod?: V1Pod;
  /** Facts about that Pod's etcd container. */
  facts?: PodFacts;
  /** The etcd container's last log. */
  log: string;
  /** Where the log came from, e.g. `previous run of container etcd`. */
  logSource: string;
}

/** One configured member's answer to a status call. */
export interface StatusProbe {
  member: ResolvedMember;
  /** Its status; undefined when it did not answer. */
  status?: MemberStatus;
  /** Why it did not answer. */
  error?: string;
}

/** What etcd shows: who answers, for which cluster, and that cluster's member list. */
export interface ClusterObservation {
  /** When the members were asked (ms). */
  probedAt: number;
  /** One probe per configured member, in configured order. */
  probes: StatusProbe[];
  /** The cluster the recovery works on. */
  real: RealCluster;
  /** The real cluster's member list; undefined when no member of it returned one. */
  list?: MemberList;
  /** Why there is no list. */
  listError?: string;
}

/** Asks every configured member for its status, works out the real cluster and reads its member list. */
export async function observeCluster(ctx: RecoveryContext): Promise<ClusterObservation> {
  const probedAt = ctx.clock.now();
  const probes = await probeStatuses(ctx.etcd, ctx.cluster.members);
  const reports = probes.flatMap((p) =>
    p.status ? [{ clientURL: p.member.clientURL, clusterId: p.status.clusterId }] : [],
  );
  const pinned = ctx.cluster.clusterID;
  const real = chooseRealCluster(reports, {
    ...(pinned !== undefined ? { pinned } : {}),
    suspect: ctx.member.clientURL,
  });
  const observation: ClusterObservation = { probedAt, probes, real };
  if (real.clusterId !== undefined && !real.problem) {
    const read = await readMemberList(ctx.etcd, probes, real.clusterId);
    if (read.list) observation.list = read.list;
    else observation.listError = read.error;
  }
  return observation;
}

/**
 * Deadline of the second status call to a member that did not answer the first (short) one, ms. A busy host,
 * a client that is still connecting or a slow authentication can take longer than the first deadline; a
 * member that is really down refuses the connection at once, so this costs little.
 */
const SECOND_STATUS_TIMEOUT_MS = 3_000;

/**
 * One status call per member, all at once; a member that does not answer is asked once more with a longer
 * deadline, and one that does not answer that either gets an error instead.
 */
async function probeStatuses(etcd: EtcdGateway, members: readonly ResolvedMember[]): Promise<StatusProbe[]> {
  const probe = async (member: ResolvedMember, timeoutMs?: number): Promise<StatusProbe> => {
    try {
      return { member, status: await etcd.status(member.clientURL, timeoutMs) };
    } catch (error) {
      return { member, error: messageOf(error) };
    }
  };
  const first = await Promise.all(members.map((member) => probe(member)));
  return Promise.all(first.map((p) => (p.status ? Promise.resolve(p) : probe(p.member, SECOND_STATUS_TIMEOUT_MS))));
}

/**
 * The member list of cluster `clusterId`, asked of its members that answered: voting members that know a
 * leader first. Members of another cluster are never asked.
 */
async function readMemberList(
  etcd: EtcdGateway,
  probes: readonly StatusProbe[],
  clusterId: string,
): Promise<{ list: MemberList; error?: undefined } | { list?: undefined; error: string }> {
  const ours = probes.filter((p) => p.status?.clusterId === clusterId);
  const rank = (s: MemberStatus | undefined) => (s && !s.isLearner && s.leader !== "0" ? 0 : 1);
  const ordered = [...ours].sort((a, b) => rank(a.status) - rank(b.status));
  const failures: string[] = [];
  for (const probe of ordered) {
    try {
      const list = await etcd.memberListFrom(probe.member.clientURL);
      if (list.clusterId === clusterId) return { list };
      failures.push(`${probe.member.clientURL} now answers for cluster ${list.clusterId}`);
    } catch (error) {
      failures.push(`${probe.member.clientURL}: ${messageOf(error)}`);
    }
  }
  return { error: failures.length > 0 ? failures.join("; ") : `no member of cluster ${clusterId} answers` };
}

/** The status a list entry answered with for the real cluster (matched by member ID), if it did. */
export function statusOfEntry(
  entry: EtcdMember,
  probes: readonly StatusProbe[],
  clusterId: string | undefined,
): MemberStatus | undefined {
  return probes.find((p) => p.status?.memberId === entry.id && p.status.clusterId === clusterId)?.status;
}

/** The configured member with one of the entry's peer URLs. */
function configuredMemberOf(entry: EtcdMember, members: readonly ResolvedMember[]): ResolvedMember | undefined {
  return members.find((m) => entry.peerURLs.some((url) => samePeerURL(url, m.peerURL)));
}

/** The list entry with the member's peer URL. */
export function entryOf(list: MemberList | undefined, member: ResolvedMember): EtcdMember | undefined {
  return list?.members.find((entry) => entry.peerURLs.some((url) => samePeerURL(url, member.peerURL)));
}

/** How people recognise a list entry: its name (or the configured one), its ID and peer URL. */
export function describeEntry(entry: EtcdMember, members: readonly ResolvedMember[]): string {
  const name = entry.name || configuredMemberOf(entry, members)?.name || "unnamed";
  return `${hexId(entry.id)} (${name}, ${entry.peerURLs.join(", ")})`;
}

/** A fresh look at the real cluster: every configured member's status and the member list. */
export interface ClusterView {
  /** The real cluster's ID (fixed by Diagnose). */
  clusterId: string;
  /** When the members were asked (ms). */
  probedAt: number;
  probes: StatusProbe[];
  list: MemberList;
}

/** Asks every member again and reads the member list from a member of the real cluster `clusterId`. */
export async function viewCluster(ctx: RecoveryContext, clusterId: string): Promise<ClusterView> {
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

/**
 * The list's members as the quorum guard sees them: voting or not, healthy (answers for the cluster, knows a leader) or
 * not.
 */
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
export function ensureQuorum(ctx: RecoveryContext, view: ClusterView, options: { votingAdd: boolean }): void {
  const verdict = checkQuorum({
    asked: view.probes.length,
    answered: view.probes.filter((p) => p.status).length,
    members: guardMembers(view.list.members, view.probes, view.clusterId),
    removals: [],
    votingAdd: options.votingAdd,
    memberName: ctx.member.name,
  });
  if (!verdict.safe) throw new UnsafeRecoveryError(verdict.reason, verdict.message);
}

/** What the dead-member decision is made from. */
export interface CandidateSource {
  clusterId: string;
  probedAt: number;
  probes: readonly StatusProbe[];
  members: readonly EtcdMember[];
}

/**
 * The list's members as dead-member candidates: whether each answers (for the real cluster), whether it is
 * the member being recovered, and its Pod (looked up only for members that do not answer).
 * `firstFailedAt` keeps, per member ID, when its status first failed; it is updated here.
 * With `assumeOwnPodGone` the member being recovered counts as stopped (for a plan made before Stop).
 */
export async function deadMemberCandidates(
  ctx: RecoveryContext,
  source: CandidateSource,
  firstFailedAt: Map<string, number>,
  options: { assumeOwnPodGone?: boolean } = {},
): Promise<DeadMemberCandidate[]> {
  return Promise.all(
    source.members.map(async (entry): Promise<DeadMemberCandidate> => {
      const answers = statusOfEntry(entry, source.probes, source.clusterId) !== undefined;
      const own = entry.peerURLs.some((url) => samePeerURL(url, ctx.member.peerURL));
      const configured = configuredMemberOf(entry, ctx.cluster.members);
      const candidate: DeadMemberCandidate = {
        id: entry.id,
        answers,
        own,
        ...(own && ctx.member.workload.kind === "StatefulSet" ? { podReplacedLater: true } : {}),
        configured: configured !== undefined,
        pod: { kind: "gone" },
      };
      if (answers) {
        firstFailedAt.delete(entry.id);
        return candidate;
      }
      if (!firstFailedAt.has(entry.id)) firstFailedAt.set(entry.id, source.probedAt);
      candidate.firstFailedAt = firstFailedAt.get(entry.id) ?? source.probedAt;
      if (configured && !(own && options.assumeOwnPodGone)) {
        const { pods } = await podsOfMember(ctx.kubernetes, ctx.cluster.namespace, configured);
        candidate.pod = podPresence(pods);
      }
      return candidate;
    }),
  );
}
