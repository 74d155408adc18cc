import type { ResolvedCluster } from "../../core/config/types.js";

/** One entry of the etcd member list. */
export interface EtcdMember {
  /** Member ID, uint64 as a decimal string. */
  id: string;
  /** `--name` of the member; empty until the member has started. */
  name: string;
  /** Peer URLs; these identify a member before it has started. */
  peerURLs: string[];
  /** Client URLs; empty until the member has started. */
  clientURLs: string[];
  /** Whether the member is a non-voting learner. */
  isLearner: boolean;
}

/** The member list and the cluster it came from. */
export interface MemberList {
  /** Cluster ID of the answering member, uint64 as a decimal string. */
  clusterId: string;
  /** Every member, voting and learner. */
  members: EtcdMember[];
}

/** What one member says about itself (the Status RPC). */
export interface MemberStatus {
  /** The client URL that was asked. */
  clientURL: string;
  /** The answering member's ID, uint64 decimal. */
  memberId: string;
  /** Cluster ID of the answering member, uint64 decimal; a member that formed a cluster of its own shows another ID. */
  clusterId: string;
  /** ID of the member it believes leads, `"0"` when it knows no leader. */
  leader: string;
  /** Raft committed index. */
  raftIndex: string;
  /** Raft term. */
  raftTerm: string;
  /** Whether the member is a learner. */
  isLearner: boolean;
  /** Cluster protocol version, e.g. `3.4.0`. */
  version: string;
  /** Backend size in bytes. */
  dbSize: number;
  /** Alarm and health messages, e.g. `NOSPACE`; empty when fine. */
  errors: string[];
}

/** The result of a HashKV. */
export interface KeyValueHash {
  /** Hash of the MVCC key space up to `revision`. */
  hash: number;
  /** Compacted revision when the hash began. */
  compactRevision: string;
  /** The revision the answering member was at. */
  revision: string;
}

/** How to reach and authenticate to one etcd cluster. */
export interface EtcdConnection {
  /** Client URLs of the cluster's members; `https://` URLs use `tls`. */
  clientURLs: string[];
  /**
   * Client TLS material, PEM: the CA that signs the servers, and the client certificate and key when etcd asks for one.
   */
  tls?: { ca: string; cert?: string; key?: string };
  /** etcd user and password. */
  auth?: { username: string; password: string };
  /**
   * Expected cluster ID (uint64 decimal). When set, members answering with another cluster ID are
   * never used for the cluster-wide member list or for membership changes.
   */
  clusterID?: string;
}

/** Deadlines of the gateway's calls. */
export interface EtcdGatewayOptions {
  /** Deadline of a member list, hash or membership change, ms; default 5000. */
  requestTimeoutMs?: number;
  /**
   * Default deadline of a status call, and of asking each member while looking for one that answers, ms; default 1000.
   */
  statusTimeoutMs?: number;
  /** Deadline of a whole snapshot download, ms; default 600 000. */
  snapshotTimeoutMs?: number;
}

/** The etcd operations the recovery needs. Unreachable members reject with EtcdUnavailableError naming the URL. */
export interface EtcdGateway {
  /** The member list, linearizable where the server supports it, from the first member that answers. */
  memberList(): Promise<MemberList>;
  /** The member list as one member sees it (serializable: its local view). */
  memberListFrom(clientURL: string): Promise<MemberList>;
  /** One member's status, with a short deadline (default 1 s). */
  status(clientURL: string, timeoutMs?: number): Promise<MemberStatus>;
  /**
   * Adds a member (a learner when asked). Sent once to one voting member that answers; never repeated,
   * since a repeat fails with "Peer URLs already exists". A server without learner support adds a voting
   * member instead, seen as `member.isLearner === false`.
   */
  addMember(peerURL: string, options: { learner: boolean }): Promise<{ member: EtcdMember; members: EtcdMember[] }>;
  /** Removes a member by ID. */
  removeMember(id: string): Promise<void>;
  /** Promotes a learner to a voting member; fails with "not in sync" until it has caught up. */
  promoteMember(id: string): Promise<void>;
  /** HashKV of one member at `revision` (default: its latest). */
  hashKV(clientURL: string, revision?: number): Promise<KeyValueHash>;
  /** Streams a snapshot from one member into `file` (written as `file.partial`, then renamed). */
  snapshot(clientURL: string, file: string): Promise<{ bytes: number }>;
  /** Closes every connection; the gateway cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * How to reach a configured cluster. Copies the TLS key and the password by name: they are
 * non-enumerable on the resolved cluster (kept out of logs), so a spread copy would lose them.
 */
export function etcdConnectionFor(cluster: ResolvedCluster): EtcdConnection {
  const { tls, auth } = cluster;
  return {
    clientURLs: cluster.members.map((member) => member.clientURL),
    ...(tls
      ? {
          tls: {
            ca: tls.ca,
            ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
            ...(tls.key !== undefined ? { key: tls.key } : {}),
          },
        }
      : {}),
    ...(auth ? { auth: { username: auth.username, password: auth.password } } : {}),
    ...(cluster.clusterID !== undefined ? { clusterID: cluster.clusterID } : {}),
  };
}

/**
 * The `--initial-cluster` value a newly added member must start with: every member's name and peer URLs,
 * the new member under `name` (the add response lists it without one), as `etcdctl member add` prints it.
 */
export function formatInitialCluster(members: readonly EtcdMember[], added: { id: string; name: string }): string {
  const entries: string[] = [];
  for (const member of members) {
    const name = member.id === added.id ? added.name : member.name;
    for (const url of member.peerURLs) entries.push(`${name}=${url}`);
  }
  return entries.join(",");
}
