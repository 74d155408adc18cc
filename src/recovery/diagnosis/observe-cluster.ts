import type { ResolvedMember } from "../../core/config/types.js";
import type { EtcdGateway, EtcdMember, MemberList, MemberStatus } from "../../gateways/etcd/types.js";
import { hexId } from "../decisions/member-id.js";
import { samePeerURL } from "../decisions/peer-url.js";
import type { RecoveryContext } from "../recovery-context.js";
import type { ClusterObservation, StatusProbe } from "./observation.js";
import { chooseRealCluster } from "./real-cluster.js";

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

/** One status call per member, all at once; a member that does not answer gets an error instead. */
export async function probeStatuses(etcd: EtcdGateway, members: readonly ResolvedMember[]): Promise<StatusProbe[]> {
  return Promise.all(
    members.map(async (member): Promise<StatusProbe> => {
      try {
        return { member, status: await etcd.status(member.clientURL) };
      } catch (error) {
        return { member, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/**
 * The member list of cluster `clusterId`, asked of its members that answered: voting members that know a
 * leader first. Members of another cluster are never asked.
 */
export async function readMemberList(
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
      failures.push(`${probe.member.clientURL}: ${error instanceof Error ? error.message : String(error)}`);
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
export function configuredMemberOf(entry: EtcdMember, members: readonly ResolvedMember[]): ResolvedMember | undefined {
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
