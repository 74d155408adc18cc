import { Cluster, Redis, type RedisOptions } from "ioredis";
import { followSentinelSwitches } from "./sentinel-switches.js";

/** A client of the service's Redis: one server (directly or through Sentinel), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A Sentinel's address. */
export interface SentinelAddress {
  /** Host name or IP address. */
  host: string;
  /** Port, 1 to 65535. */
  port: number;
}

/** A master found through Redis Sentinel, which names the current master again after a failover. */
export interface RedisSentinelSettings {
  /** The Sentinels asked for the master (`REDIS_SENTINELS`); at least one. */
  sentinels: SentinelAddress[];
  /** The name the Sentinels monitor the master under (`REDIS_MASTER_NAME`). */
  masterName: string;
  /** The password the Sentinels require (`REDIS_SENTINEL_PASSWORD` or its `_FILE`); absent when they require none. */
  password?: string;
}

/** A Redis Cluster, found from some of its nodes; the cluster tells the client about the others. */
export interface RedisClusterSettings {
  /** Seed nodes of the cluster (`REDIS_CLUSTER_NODES`); at least one. Any node, master or replica, will do. */
  nodes: SentinelAddress[];
}

/** Where the service's Redis is: parsed once from the environment, used by every connection. */
export interface RedisConnection {
  /**
   * The Redis URL (`REDIS_URL`). Without `sentinel` or `cluster` it names the server. With `sentinel` only its user
   * name, password, database and scheme (`rediss:` for TLS) are used: the Sentinels name the host. With `cluster`
   * only its user name, password and scheme are used (a cluster has database 0 only): the nodes are the seeds.
   */
  url: string;
  /** Set to reach the master through Sentinel. Never with `cluster`. */
  sentinel?: RedisSentinelSettings;
  /** Set to use a Redis Cluster. Never with `sentinel`. */
  cluster?: RedisClusterSettings;
  /**
   * How many replicas must have an accepted recovery request before it is answered (`WAIT`); 0 answers once
   * the master has it. On a cluster `WAIT` is sent to the master of the shard that holds the key prefix's hash
   * slot, where every key of the service is, and counts that master's replicas. Default 0.
   */
  waitReplicas?: number;
}

/** How long a `WAIT` for replicas lasts before the request is refused, ms. */
export const REPLICA_WAIT_MS = 1000;

/**
 * A client of the service's Redis with `options`: the server of the URL, the master the Sentinels name, found
 * again after a failover, or a Redis Cluster. Every connection the service makes goes through here.
 */
export function connectRedis(connection: RedisConnection & { cluster?: undefined }, options: RedisOptions): Redis;
export function connectRedis(connection: RedisConnection, options: RedisOptions): RedisClient;
export function connectRedis(connection: RedisConnection, options: RedisOptions): RedisClient {
  if (connection.cluster) return connectCluster(connection.url, connection.cluster, options);
  const sentinel = connection.sentinel;
  if (!sentinel) return new Redis(connection.url, options);
  const tls = connection.url.startsWith("rediss:");
  const client = new Redis(connection.url, {
    ...options,
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
    // The Sentinels speak TLS when the master does.
    ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    // Not ioredis's `failoverDetector`: its announcement of a new master can arrive while the client is already
    // reconnecting after the master died, and then ends the client for good. followSentinelSwitches does its work.
    // Asking the Sentinels again after a failed attempt: the same back-off as the connection's own.
    ...(options.retryStrategy ? { sentinelRetryStrategy: options.retryStrategy } : {}),
    // A demoted master answers writes with READONLY: reconnect (asking the Sentinels) and send the command again.
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  });
  followSentinelSwitches(sentinel, tls, client);
  return client;
}

/**
 * A Redis Cluster client with `options` for each of its node connections. The URL gives the credentials and TLS.
 * The connection-wide options (offline queue, back-off, auto-pipelining) are the cluster's; a node connection
 * that drops is not retried on its own: the cluster refreshes its slots and connects again.
 */
function connectCluster(url: string, cluster: RedisClusterSettings, options: RedisOptions): Cluster {
  const parsed = new URL(url);
  const {
    retryStrategy,
    enableOfflineQueue,
    enableAutoPipelining,
    reconnectOnError: _reconnectOnError,
    ...nodeOptions
  } = options;
  return new Cluster(
    cluster.nodes.map(({ host, port }) => ({ host, port })),
    {
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
      // A failover moves the prefix's slot to the promoted replica; ask again soon rather than after 100 ms.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      redisOptions: {
        ...nodeOptions,
        ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
        ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
        ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
      },
    },
  );
}

/**
 * Where the Redis is, for messages and logs, without credentials: `host:port`, the master and its Sentinels, or
 * the seed nodes of a cluster.
 */
export function describeRedis(connection: RedisConnection): string {
  const cluster = connection.cluster;
  if (cluster) return `Redis Cluster of ${cluster.nodes.map(formatAddress).join(",")}`;
  const sentinel = connection.sentinel;
  if (sentinel) {
    const sentinels = sentinel.sentinels.map(({ host, port }) => `${host}:${port}`).join(",");
    return `master ${sentinel.masterName} of Sentinels ${sentinels}`;
  }
  try {
    const parsed = new URL(connection.url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "(invalid Redis URL)";
  }
}

/** `host:port`, an IPv6 address in brackets. */
function formatAddress({ host, port }: SentinelAddress): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
