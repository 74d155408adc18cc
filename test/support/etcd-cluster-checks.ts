import { expect } from "vitest";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { isReady, kubeConfigFrom, waitForPods } from "./pod-watch.js";
import type { SandboxProcess } from "./sandbox-process.js";
import { readFileSync } from "node:fs";
import type { Etcd3, IOptions } from "etcd3";
import { createEtcdClient } from "../../src/gateways/etcd/etcd-client.js";
import { CHANNEL_OPTIONS, createEtcdGateway } from "../../src/gateways/etcd/etcd3-gateway.js";

/**
 * Asserts what a finished recovery must leave: every configured member a voter (no learner), every
 * member Pod Ready, and the keys written before the failure readable from every member's own data.
 */
export async function expectHealthyCluster(
  sandbox: SandboxProcess,
  cluster: SandboxClusterInfo,
  keyPrefix: string,
  keyCount: number,
) {
  const shape = await clusterShape(sandbox.info, cluster);
  expect(shape.names).toEqual(
    cluster.members.map((m) => (m.workload === "statefulset" ? m.pod : `${cluster.name}${m.index}`)).sort(),
  );
  expect(shape.peerURLs).toEqual(cluster.members.map((m) => m.peerURL).sort());
  expect(shape.learners).toBe(0);
  await waitForPods(
    kubeConfigFrom(sandbox.info.kubeconfig),
    cluster.namespace,
    // The StatefulSet's Pods carry the bitnami-style labels; the Deployments' the responder's own.
    cluster.statefulSet ? `app.kubernetes.io/instance=${cluster.name}` : `etcd.responder.io/cluster=${cluster.name}`,
    (pods) => (pods.filter(isReady).length === cluster.members.length ? true : undefined),
    `every ${cluster.name} member Pod Ready`,
  );
  const counts = await keysOnEveryMember(sandbox.info, cluster, keyPrefix);
  expect(Object.values(counts)).toEqual(cluster.members.map(() => keyCount));
}

/**
 * etcd3 client options for a sandbox cluster: its client URLs, its TLS files when it serves TLS, and its user
 * when a test turned authentication on.
 */
export function etcdClientOptions(info: Pick<SandboxInfo, "tls" | "etcdAuth">, hosts: string[]): IOptions {
  const options: IOptions = {
    hosts,
    dialTimeout: 2000,
    // As the responder's own clients: a client never inherits another's reconnect backoff for a member.
    grpcOptions: { ...CHANNEL_OPTIONS },
    ...(info.etcdAuth ? { auth: { ...info.etcdAuth } } : {}),
  };
  if (info.tls) {
    options.credentials = {
      rootCertificate: readFileSync(info.tls.ca),
      certChain: readFileSync(info.tls.cert),
      privateKey: readFileSync(info.tls.key),
    };
  }
  return options;
}

/** Runs `use` with a client of the whole cluster, closing it afterwards. */
export async function withCluster<T>(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  use: (client: Etcd3) => Promise<T>,
): Promise<T> {
  const urls = cluster.members.map((m) => m.clientURL);
  return withClient(info, urls, `cluster ${cluster.name}`, use);
}

/** Runs `use` with a client that talks to one member only. */
export async function withMember<T>(
  info: SandboxInfo,
  clientURL: string,
  use: (client: Etcd3) => Promise<T>,
): Promise<T> {
  return withClient(info, [clientURL], `member ${clientURL}`, use);
}

/** How long the checks give etcd to answer what they ask, ms: a gRPC call on its own never gives up. */
const CHECK_DEADLINE_MS = 30_000;

/**
 * How long one call of a check may take, ms. A member that is starting accepts connections before it serves them,
 * and one that lost its data may never serve them; past this deadline the client asks another member.
 */
const CALL_DEADLINE_MS = 4_000;

/**
 * Runs `use` with a client of `hosts`, closing it afterwards; rejects, naming `what`, when `use` has not ended
 * within CHECK_DEADLINE_MS (a call to a member that no longer answers would otherwise wait forever).
 */
async function withClient<T>(
  info: Pick<SandboxInfo, "tls" | "etcdAuth">,
  hosts: string[],
  what: string,
  use: (client: Etcd3) => Promise<T>,
): Promise<T> {
  const client = createEtcdClient({
    ...etcdClientOptions(info, hosts),
    defaultCallOptions: (call) => (call.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      use(client),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} gave no answer within ${CHECK_DEADLINE_MS / 1000} s`)),
          CHECK_DEADLINE_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** What a healthy cluster looks like, for assertions. */
export interface ClusterShape {
  /** Member names, sorted. */
  names: string[];
  /** Peer URLs, sorted. */
  peerURLs: string[];
  learners: number;
  /** Member IDs by name. */
  ids: Record<string, string>;
}

export async function clusterShape(info: SandboxInfo, cluster: SandboxClusterInfo): Promise<ClusterShape> {
  return withCluster(info, cluster, async (client) => shapeOf(client));
}

/**
 * The cluster's shape as the member at `clientURL` sees it. For a cluster without quorum: a client of every
 * member may pick one that lost its data and is starting again; etcd accepts client connections before it serves
 * them, and such a member never gets that far, so the call never ends. Ask a member known to have kept its data
 * instead (etcd 3.4 answers a member list from its own view, quorum or not).
 */
export async function clusterShapeSeenBy(info: SandboxInfo, clientURL: string): Promise<ClusterShape> {
  return withMember(info, clientURL, async (client) => shapeOf(client));
}

async function shapeOf(client: Etcd3): Promise<ClusterShape> {
  const { members } = await client.cluster.memberList({ linearizable: true });
  return {
    names: members.map((m) => m.name).sort(),
    peerURLs: members.map((m) => m.peerURLs[0] ?? "").sort(),
    learners: members.filter((m) => m.isLearner).length,
    ids: Object.fromEntries(members.map((m) => [m.name, String(m.ID)])),
  };
}

/** Writes `count` keys under `prefix` through the cluster. */
export async function writeKeys(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  prefix: string,
  count: number,
): Promise<void> {
  await withCluster(info, cluster, async (client) => {
    for (let i = 0; i < count; i++) await client.put(`${prefix}/${i}`).value(`value-${i}`);
  });
}

/** The values under `prefix` as each member serves them from its own data (serializable reads), by client URL. */
export async function keysOnEveryMember(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  prefix: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const member of cluster.members) {
    counts[member.clientURL] = await withMember(info, member.clientURL, async (client) => {
      const values = await client.getAll().prefix(`${prefix}/`).serializable(true).strings();
      return Object.keys(values).length;
    });
  }
  return counts;
}

/**
 * Adds a learner at `peerURL` as a person would with `etcdctl member add --learner` (and never starts it);
 * resolves with its ID. Retried like `removeMemberByHand` while etcd answers `unhealthy cluster`.
 */
export async function addLearnerByHand(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  peerURL: string,
  timeoutMs = 20_000,
): Promise<string> {
  return retryMembershipChange(info, cluster, timeoutMs, async (client) =>
    String((await client.cluster.memberAdd({ peerURLs: [peerURL], isLearner: true })).member.ID),
  );
}

/**
 * Removes the member with `peerURL` as a person would with `etcdctl member remove`. etcd refuses
 * membership changes for a few seconds after its connections changed (`unhealthy cluster`): retried
 * with back-off until the deadline. When the request went to the member being removed, it shuts down
 * before answering and the client resends it elsewhere, where `member not found` means it is done.
 */
export async function removeMemberByHand(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  peerURL: string,
  timeoutMs = 20_000,
): Promise<void> {
  await retryMembershipChange(info, cluster, timeoutMs, async (client) => {
    const { members } = await client.cluster.memberList({ linearizable: true });
    const member = members.find((m) => m.peerURLs.includes(peerURL));
    if (!member) return;
    try {
      await client.cluster.memberRemove({ ID: member.ID });
    } catch (error) {
      if (!/member not found/.test(String(error))) throw error;
    }
  });
}

/**
 * Runs `change` until etcd stops answering `unhealthy cluster` (back-off 100 ms to 1 s) or the deadline
 * passes; each attempt with a new client, whose own fault handling would otherwise refuse the next call.
 */
async function retryMembershipChange<T>(
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  timeoutMs: number,
  change: (client: Etcd3) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await withCluster(info, cluster, change);
    } catch (error) {
      if (!/unhealthy cluster/.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Asserts that every member holds the same key space: `hashKV` of each member at one revision (the lowest any
 * member is at) is equal. Nothing may write to the cluster meanwhile.
 */
export async function expectEqualHashKV(info: SandboxInfo, cluster: SandboxClusterInfo): Promise<void> {
  const urls = cluster.members.map((m) => m.clientURL);
  const tls = info.tls
    ? {
        ca: readFileSync(info.tls.ca, "utf8"),
        cert: readFileSync(info.tls.cert, "utf8"),
        key: readFileSync(info.tls.key, "utf8"),
      }
    : undefined;
  const gateway = createEtcdGateway({
    clientURLs: urls,
    ...(tls ? { tls } : {}),
    ...(info.etcdAuth ? { auth: { ...info.etcdAuth } } : {}),
  });
  try {
    const latest = await Promise.all(urls.map((url) => gateway.hashKV(url)));
    const revision = Math.min(...latest.map((h) => Number(h.revision)));
    const hashes = await Promise.all(urls.map(async (url) => [url, (await gateway.hashKV(url, revision)).hash]));
    const distinct = new Set(hashes.map(([, hash]) => hash));
    expect(distinct.size, `hashKV at revision ${revision}: ${JSON.stringify(Object.fromEntries(hashes))}`).toBe(1);
  } finally {
    await gateway.close();
  }
}
