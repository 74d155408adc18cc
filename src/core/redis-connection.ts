import { Redis, type RedisOptions } from "ioredis";
import { followSentinelSwitches } from "./sentinel-switches.js";

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

/** Where the service's Redis is: parsed once from the environment, used by every connection. */
export interface RedisConnection {
  /**
   * The Redis URL (`REDIS_URL`). Without `sentinel` it names the server. With `sentinel` only its user name,
   * password, database and scheme (`rediss:` for TLS) are used: the Sentinels name the host.
   */
  url: string;
  /** Set to reach the master through Sentinel. */
  sentinel?: RedisSentinelSettings;
  /**
   * How many replicas must have an accepted recovery request before it is answered (`WAIT`); 0 answers once
   * the master has it. Default 0.
   */
  waitReplicas?: number;
}

/** How long a `WAIT` for replicas lasts before the request is refused, ms. */
export const REPLICA_WAIT_MS = 1000;

/**
 * A client of the service's Redis with `options`: the server of the URL, or the master the Sentinels name, found
 * again after a failover. Every connection the service makes goes through here.
 */
export function connectRedis(connection: RedisConnection, options: RedisOptions): Redis {
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

/** Where the Redis is, for messages and logs, without credentials: `host:port`, or the master and its Sentinels. */
export function describeRedis(connection: RedisConnection): string {
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
