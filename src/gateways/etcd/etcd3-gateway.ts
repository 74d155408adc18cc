import {
  type Etcd3,
  type IHashKVResponse,
  type IMemberListResponse,
  type ICallable,
  type IOptions,
  type IMember,
  type ISnapshotResponse,
} from "etcd3";
import { EtcdUnavailableError, messageOf } from "../../core/errors.js";
import type {
  EtcdConnection,
  EtcdGateway,
  EtcdGatewayOptions,
  EtcdMember,
  KeyValueHash,
  MemberList,
  MemberStatus,
} from "./etcd-gateway.js";
import { createEtcdClient } from "./etcd-client.js";
import { toGatewayError, withinDeadline } from "./errors.js";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

const DEFAULTS: Required<EtcdGatewayOptions> = {
  requestTimeoutMs: 5_000,
  statusTimeoutMs: 1_000,
  snapshotTimeoutMs: 600_000,
};

/** Creates the etcd gateway of one cluster over the etcd3 gRPC client. */
export function createEtcdGateway(connection: EtcdConnection, options: EtcdGatewayOptions = {}): EtcdGateway {
  return new Etcd3Gateway(connection, { ...DEFAULTS, ...options });
}

/**
 * The etcd gateway over etcd3, with one client per member so that "ask this member" means exactly that.
 * It picks the member itself: the one that answered last, then the others in configured order.
 */
class Etcd3Gateway implements EtcdGateway {
  private readonly clients: MemberClients;
  /** The member that answered last; asked first next time. */
  private preferred: string | undefined;

  constructor(
    private readonly connection: EtcdConnection,
    private readonly options: Required<EtcdGatewayOptions>,
  ) {
    if (connection.clientURLs.length === 0) throw new RangeError("an etcd gateway needs at least one client URL");
    this.clients = new MemberClients(connection, options.requestTimeoutMs);
  }

  async memberList(): Promise<MemberList> {
    const failures: string[] = [];
    for (const url of this.candidates()) {
      try {
        const list = await this.listFrom(url, true, this.options.statusTimeoutMs);
        const mismatch = this.clusterIdMismatch(list.clusterId);
        if (mismatch) {
          failures.push(`${url}: ${mismatch}`);
          continue;
        }
        this.preferred = url;
        return list;
      } catch (error) {
        // A learner, a member without leader or an unreachable one: the next member may answer.
        failures.push(`${url}: ${messageOf(error)}`);
      }
    }
    throw new EtcdUnavailableError(
      `no etcd member returned the member list: ${failures.join("; ")}`,
      this.connection.clientURLs,
    );
  }

  memberListFrom(clientURL: string): Promise<MemberList> {
    return this.listFrom(clientURL, false, this.options.requestTimeoutMs);
  }

  async status(clientURL: string, timeoutMs = this.options.statusTimeoutMs): Promise<MemberStatus> {
    const client = this.clients.get(clientURL, "anonymous");
    const response = await this.call(clientURL, "status", timeoutMs, () =>
      client.maintenance.status({ deadline: Date.now() + timeoutMs }),
    );
    return {
      clientURL,
      memberId: String(response.header.member_id),
      clusterId: String(response.header.cluster_id),
      leader: String(response.leader),
      raftIndex: String(response.raftIndex),
      raftTerm: String(response.raftTerm),
      isLearner: Boolean(response.isLearner),
      version: response.version,
      dbSize: Number(response.dbSize),
      errors: [...(response.errors ?? [])],
    };
  }

  async addMember(
    peerURL: string,
    options: { learner: boolean },
  ): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const { url, client } = await this.votingMember();
    const response = await this.call(url, "member add", this.options.requestTimeoutMs, () =>
      client.cluster.memberAdd({ peerURLs: [peerURL], isLearner: options.learner }),
    );
    return { member: toEtcdMember(response.member), members: response.members.map(toEtcdMember) };
  }

  async removeMember(id: string): Promise<void> {
    const { url, client } = await this.votingMember();
    await this.call(url, "member remove", this.options.requestTimeoutMs, () => client.cluster.memberRemove({ ID: id }));
  }

  async promoteMember(id: string): Promise<void> {
    // Sent to the leader itself: etcd 3.4 forwards a promotion that reaches a follower to the leader over the
    // peer API without the caller's credentials, and with auth on the leader refuses it until the deadline.
    const { url, client } = await this.leaderMember();
    await this.call(url, "member promote", this.options.requestTimeoutMs, () =>
      client.cluster.memberPromote({ ID: id }),
    );
  }

  async hashKV(clientURL: string, revision?: number): Promise<KeyValueHash> {
    const client = this.clients.get(clientURL);
    // Not `maintenance.hashKV()`: see connectionPool.
    const response = await this.call(clientURL, "hashKV", this.options.requestTimeoutMs, () =>
      connectionPool(client).exec<IHashKVResponse>("Maintenance", "hashKv", revision === undefined ? {} : { revision }),
    );
    return {
      hash: Number(response.hash),
      compactRevision: String(response.compact_revision),
      revision: String(response.header.revision),
    };
  }

  async snapshot(clientURL: string, file: string): Promise<{ bytes: number }> {
    const client = this.clients.get(clientURL);
    return this.call(clientURL, "snapshot", this.options.snapshotTimeoutMs, () =>
      writeSnapshot(client, file, this.options.snapshotTimeoutMs),
    );
  }

  close(): Promise<void> {
    this.clients.closeAll();
    return Promise.resolve();
  }

  /** Members in the order to ask them: the last that answered, then the configured order. */
  private candidates(): string[] {
    const urls = this.connection.clientURLs;
    return this.preferred && urls.includes(this.preferred)
      ? [this.preferred, ...urls.filter((u) => u !== this.preferred)]
      : [...urls];
  }

  private clusterIdMismatch(clusterId: string): string | undefined {
    const expected = this.connection.clusterID;
    return expected !== undefined && clusterId !== expected
      ? `answers for cluster ${clusterId}, not the expected ${expected}`
      : undefined;
  }

  private async listFrom(clientURL: string, linearizable: boolean, timeoutMs: number): Promise<MemberList> {
    const client = this.clients.get(clientURL, "anonymous");
    const response: IMemberListResponse = await this.call(clientURL, "member list", timeoutMs, () =>
      client.cluster.memberList({ linearizable }, { deadline: Date.now() + timeoutMs }),
    );
    return { clusterId: String(response.header.cluster_id), members: response.members.map(toEtcdMember) };
  }

  /**
   * A member fit to take a membership change: it answers, is a voting member of the expected cluster and
   * knows a leader. Asked with a status call first, so the change itself is sent once, to one member.
   */
  private async votingMember(): Promise<{ url: string; client: Etcd3 }> {
    const failures: string[] = [];
    for (const url of this.candidates()) {
      try {
        const status = await this.status(url);
        const unfit = status.isLearner
          ? "is a learner"
          : status.leader === "0"
            ? "knows no leader"
            : this.clusterIdMismatch(status.clusterId);
        if (unfit) {
          failures.push(`${url}: ${unfit}`);
          continue;
        }
        this.preferred = url;
        return { url, client: this.clients.get(url) };
      } catch (error) {
        failures.push(`${url}: ${messageOf(error)}`);
      }
    }
    throw new EtcdUnavailableError(
      `no voting etcd member with a leader answered, so no membership change was sent: ${failures.join("; ")}`,
      this.connection.clientURLs,
    );
  }

  /**
   * The member that leads, when a configured member answers as the leader of the expected cluster; else a
   * voting member (see `votingMember`), which forwards to the leader.
   */
  private async leaderMember(): Promise<{ url: string; client: Etcd3 }> {
    const statuses = await Promise.all(
      this.candidates().map((url) =>
        this.status(url).then(
          (status) => ({ url, status }),
          () => undefined,
        ),
      ),
    );
    const leader = statuses.find(
      (s) =>
        s &&
        s.status.leader !== "0" &&
        s.status.memberId === s.status.leader &&
        !this.clusterIdMismatch(s.status.clusterId),
    );
    if (!leader) return this.votingMember();
    this.preferred = leader.url;
    return { url: leader.url, client: this.clients.get(leader.url) };
  }

  /** Runs one call against one member within `timeoutMs`, turning "did not answer" into EtcdUnavailableError. */
  private async call<T>(clientURL: string, action: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
    try {
      // A little slack past the gRPC deadline, so gRPC's own (more precise) error normally wins.
      return await withinDeadline(work(), timeoutMs + 250, clientURL, action);
    } catch (error) {
      throw toGatewayError(error, clientURL, action);
    }
  }
}

/**
 * The connection pool inside an etcd3 client. etcd3 1.1.2 gets two maintenance calls wrong: `hashKV()` asks
 * gRPC for a method named `hashKV` (the generated client calls it `hashKv`), and `snapshot()` sends the auth
 * token as the request body. The pool runs the calls correctly with the client's connection and credentials.
 */
function connectionPool(client: Etcd3): ICallable<unknown> {
  return (client as unknown as { pool: ICallable<unknown> }).pool;
}

type FaultPolicy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

const noListener = () => ({ dispose: () => undefined });

/**
 * A fault-handling policy that runs the call once. etcd3's defaults retry three times on other hosts and
 * open a five-second circuit breaker per host; the gateway decides itself which member to ask next,
 * and a member that comes back must be usable at once.
 */
export const failFastPolicy = {
  onSuccess: noListener,
  onFailure: noListener,
  execute: (fn: (context: { signal: AbortSignal }) => unknown, signal?: AbortSignal) =>
    Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
} as unknown as FaultPolicy;

/** The gateway's view of an etcd3 member record. */
function toEtcdMember(member: IMember): EtcdMember {
  return {
    id: String(member.ID),
    name: member.name ?? "",
    peerURLs: [...(member.peerURLs ?? [])],
    clientURLs: [...(member.clientURLs ?? [])],
    isLearner: Boolean(member.isLearner),
  };
}

/** gRPC channel settings that make a dead member fail fast and a returning member usable at once. */
export const CHANNEL_OPTIONS = {
  // Own subchannels per client: the process-wide pool would carry a dead member's reconnect backoff over.
  "grpc.use_local_subchannel_pool": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1000,
  // Notices a silently dead connection (a member host gone) without waiting for TCP.
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 3_000,
} as const;

/**
 * Which credentials a call needs. etcd serves Status and MemberList to anyone, and a learner refuses to
 * authenticate anyone ("rpc not supported for learner"), so those calls go `anonymous`: a learner's progress
 * and a member list are readable with auth on, and without the cost of authenticating. Everything else
 * (hashes, snapshots, membership changes) goes `authenticated`; without `auth` the two are the same.
 */
type Credentials = "authenticated" | "anonymous";

/** etcd3 clients per member (hosts = only that member) and credentials, created on first use and kept until closed. */
class MemberClients {
  private readonly clients = new Map<string, Etcd3>();
  private closed = false;

  constructor(
    private readonly connection: EtcdConnection,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The client that talks to `clientURL` only, with `credentials` (default: authenticated when `auth` is set). */
  get(clientURL: string, credentials: Credentials = "authenticated"): Etcd3 {
    if (this.closed) throw new Error(`the etcd gateway is closed; cannot call ${clientURL}`);
    const authenticated = credentials === "authenticated" && this.connection.auth !== undefined;
    const key = `${authenticated ? "auth" : "anon"} ${clientURL}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createEtcdClient(this.optionsFor(clientURL, authenticated));
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes every client; later calls to `get` throw. */
  closeAll(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private optionsFor(clientURL: string, authenticated: boolean): IOptions {
    const { tls, auth } = this.connection;
    const timeoutMs = this.requestTimeoutMs;
    return {
      hosts: [clientURL],
      ...(tls
        ? {
            credentials: {
              rootCertificate: Buffer.from(tls.ca),
              ...(tls.key !== undefined ? { privateKey: Buffer.from(tls.key) } : {}),
              ...(tls.cert !== undefined ? { certChain: Buffer.from(tls.cert) } : {}),
            },
          }
        : {}),
      ...(auth && authenticated ? { auth: { username: auth.username, password: auth.password } } : {}),
      grpcOptions: { ...CHANNEL_OPTIONS },
      // Every unary call gets a deadline; streams (snapshot) set their own.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      faultHandling: { host: () => failFastPolicy, global: failFastPolicy },
    };
  }
}

/** The generated gRPC client method etcd3 uses for snapshots. */
interface SnapshotCall {
  snapshot(
    request: object,
    metadata: unknown,
    options: { deadline: number },
  ): AsyncIterable<ISnapshotResponse> & { cancel(): void };
}

/**
 * Streams a snapshot from the member `client` talks to into `file`: written to `file.partial` (mode 0600,
 * it holds every key), synced, then renamed, so `file` is either complete or absent.
 */
async function writeSnapshot(client: Etcd3, file: string, timeoutMs: number): Promise<{ bytes: number }> {
  const partial = `${file}.partial`;
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(partial, "w", 0o600);
  let stream: (AsyncIterable<ISnapshotResponse> & { cancel(): void }) | undefined;
  let bytes = 0;
  let remaining: string | undefined;
  try {
    try {
      // Not `maintenance.snapshot()`: see connectionPool.
      stream = await connectionPool(client).withConnection("Maintenance", ({ client: grpcClient, metadata }) =>
        (grpcClient as unknown as SnapshotCall).snapshot({}, metadata, { deadline: Date.now() + timeoutMs }),
      );
      for await (const message of stream) {
        if (message.blob.length > 0) {
          await handle.write(message.blob);
          bytes += message.blob.length;
        }
        remaining = String(message.remaining_bytes);
      }
      // etcd ends the stream with remaining_bytes 0 (the checksum chunk); anything else was cut short.
      if (bytes === 0 || remaining !== "0") {
        throw new Error(`snapshot stream ended early after ${bytes} bytes (remaining ${remaining ?? "unknown"})`);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
    return { bytes };
  } catch (error) {
    stream?.cancel();
    await rm(partial, { force: true });
    throw error;
  }
}
