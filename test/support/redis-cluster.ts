import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { loopbackRedisClient, startRedis, type TestRedis } from "./redis-server.js";

const run = promisify(execFile);

/** The redis-cli binary that assigns the slots (Debian's redis-tools, which redis-server depends on). */
export const REDIS_CLI_BINARY = process.env.REDIS_CLI_BINARY ?? "/usr/bin/redis-cli";

/** How long the cluster may take to have every slot served and every replica in sync. */
const CLUSTER_READY_TIMEOUT_MS = 30_000;

/** One node of the test cluster. */
export interface TestClusterNode {
  /** The server; its `url` names this node only. */
  server: TestRedis;
  port: number;
  /** Its role when the cluster was made. */
  role: "master" | "replica";
}

/**
 * A Redis Cluster on loopback for one test file: masters that share the 16384 slots, each with its replicas. Call
 * `stop()` in `afterAll`, also when a test failed.
 */
export interface TestRedisCluster {
  nodes: TestClusterNode[];
  /** The nodes as `REDIS_CLUSTER_NODES` lists them: `127.0.0.1:<port>,...`, every node. */
  addresses: string;
  /** A cluster client of the test (not the service's); closed by `stop()`. */
  client(): Cluster;
  /**
   * The ports of the nodes that serve `slot` now, its master first (as `CLUSTER SLOTS` of the node on `askPort`,
   * default the first node, says), then its replicas (those of the running nodes that say they replicate it).
   */
  nodesOfSlot(slot: number, askPort?: number): Promise<number[]>;
  /** The keys each running node holds (`KEYS *` on every node, masters and replicas), by port. */
  keysByNode(): Promise<Map<number, string[]>>;
  /** `CLUSTER COUNTKEYSINSLOT slot`, asked of the slot's master. */
  countKeysInSlot(slot: number): Promise<number>;
  /** `CLUSTER KEYSLOT key`, as the server computes it. */
  keySlot(key: string): Promise<number>;
  /** Stops every node (SIGKILL, by pid) and removes their files; idempotent. */
  stop(): Promise<void>;
}

/** How to make the test cluster. */
export interface RedisClusterOptions {
  /** Masters; at least 3, as redis-cli requires. Default 3. */
  masters?: number;
  /** Replicas of each master; default 1. */
  replicasPerMaster?: number;
  /** The password every node requires (`requirepass`, and `masterauth` to replicate); default none. */
  password?: string;
}

/**
 * Starts `masters × (1 + replicasPerMaster)` redis-servers with cluster mode on (each on a free loopback port, its
 * cluster bus on another free port, no persistence), lets `redis-cli --cluster create` assign the slots and the
 * replicas, and waits until every node says `cluster_state:ok` and every replica's link to its master is up.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const { password } = options;
  const auth = password === undefined ? {} : { password };
  const servers: TestRedis[] = [];
  const clients: Cluster[] = [];
  const stopAll = async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  };
  try {
    const started = await Promise.all(
      Array.from({ length: masters * (1 + replicas) }, async () => {
        const server = await startRedis({
          ...auth,
          clusterBus: true,
          args: [
            ...(password === undefined ? [] : ["--masterauth", password]),
            ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
            ...["--cluster-node-timeout", "2000"],
          ],
        });
        servers.push(server);
        return server;
      }),
    );
    const addresses = started.map((server) => `127.0.0.1:${server.port}`);
    try {
      await run(
        REDIS_CLI_BINARY,
        [
          ...(password === undefined ? [] : ["-a", password, "--no-auth-warning"]),
          ...["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"],
        ],
        { timeout: CLUSTER_READY_TIMEOUT_MS },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed:\n${stdout ?? ""}${stderr ?? ""}`, { cause: error });
    }
    const roles = await waitUntilClusterReady(
      started.map((server) => server.port),
      password,
    );
    const nodes = started.map((server) => ({
      server,
      port: server.port,
      role: roles.get(server.port) ?? ("master" as const),
    }));

    const nodeClient = (port: number) => loopbackRedisClient(port, password);
    const onNode = async <T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> => {
      const client = nodeClient(port);
      try {
        return await work(client);
      } finally {
        client.disconnect();
      }
    };
    const first = nodes[0]!.port;
    let stopping: Promise<void> | undefined;
    const cluster: TestRedisCluster = {
      nodes,
      addresses: addresses.join(","),
      client: () => {
        const client = new Cluster(
          nodes.map(({ port }) => ({ host: "127.0.0.1", port })),
          { redisOptions: { maxRetriesPerRequest: 1, ...auth } },
        );
        client.on("error", () => undefined);
        clients.push(client);
        return client;
      },
      nodesOfSlot: async (slot, askPort = first) => {
        const master = await onNode(askPort, async (client) => {
          const ranges = (await client.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
          const range = ranges.find(([low, high]) => slot >= low && slot <= high);
          if (!range) throw new Error(`no node serves slot ${slot}`);
          return Number(range[2][1]);
        });
        // Each replica says whose it is; a node's CLUSTER SLOTS may not list a new replica yet.
        const replicas = await Promise.all(
          nodes.map(({ port }) =>
            onNode(port, async (client) => {
              const info = await client.info("replication");
              return /^role:slave/m.test(info) && /^master_port:(\d+)/m.exec(info)?.[1] === String(master)
                ? port
                : undefined;
            }).catch(() => undefined),
          ),
        );
        return [master, ...replicas.filter((port) => port !== undefined)];
      },
      keysByNode: async () => {
        const found = new Map<number, string[]>();
        await Promise.all(
          nodes.map(({ port }) =>
            onNode(port, async (client) => found.set(port, (await client.keys("*")).sort())).catch(() => undefined),
          ),
        );
        return found;
      },
      countKeysInSlot: async (slot) => {
        const [master] = await cluster.nodesOfSlot(slot);
        return onNode(master!, async (client) => Number(await client.call("CLUSTER", "COUNTKEYSINSLOT", slot)));
      },
      keySlot: (key) => onNode(first, async (client) => Number(await client.call("CLUSTER", "KEYSLOT", key))),
      stop: () => (stopping ??= stopAll()),
    };
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Polls every node until each says `cluster_state:ok` and each replica's link to its master is up; rejects with the
 * last answers after the deadline. Resolves with each node's role.
 */
async function waitUntilClusterReady(
  ports: number[],
  password: string | undefined,
): Promise<Map<number, "master" | "replica">> {
  const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS;
  for (;;) {
    const roles = new Map<number, "master" | "replica">();
    const waiting: string[] = [];
    await Promise.all(
      ports.map(async (port) => {
        const client = loopbackRedisClient(port, password);
        try {
          const info = String(await client.call("CLUSTER", "INFO"));
          const replication = await client.info("replication");
          const replica = /^role:slave/m.test(replication);
          roles.set(port, replica ? "replica" : "master");
          if (!/^cluster_state:ok/m.test(info)) waiting.push(`${port}: ${/^cluster_state:\w+/m.exec(info)?.[0]}`);
          else if (replica && !/^master_link_status:up/m.test(replication)) waiting.push(`${port}: replica link down`);
        } catch (error) {
          waiting.push(`${port}: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          client.disconnect();
        }
      }),
    );
    if (waiting.length === 0) return roles;
    if (Date.now() >= deadline) {
      throw new Error(`the Redis Cluster was not ready within ${CLUSTER_READY_TIMEOUT_MS} ms: ${waiting.join("; ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
