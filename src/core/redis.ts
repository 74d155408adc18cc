import { Cluster } from "ioredis";
import type { Logger } from "./logger.js";
import { QueueUnavailableError } from "./errors.js";
import { connectRedis, describeRedis, type RedisClient, type RedisConnection } from "./redis-connection.js";
import { keySlot } from "./redis-keys.js";

/** How long an operation waits for Redis before it gives up, unless told otherwise. */
const DEFAULT_UNAVAILABLE_AFTER_MS = 1500;

/** A Redis client for request-time work (enqueue, read, modes) that fails fast instead of queueing commands. */
export interface FailFastRedis {
  /** The client (of one server, or of a Redis Cluster); commands fail at once while disconnected. */
  client: RedisClient;
  /** The server as `host:port` (or the Sentinels' master, or the cluster's seed nodes), for messages. */
  redis: string;
  /**
   * How many times the connection has become ready. A change between two commands means they went over
   * different connections, perhaps to different masters after a failover.
   */
  connections(): number;
  /**
   * On a Redis Cluster, the master (`host:port`) the client sends commands on `key` to now, as its slot table says;
   * undefined for a single server. A change between two commands on keys of one slot means they went to different
   * masters (the client followed a `MOVED` after a failover).
   */
  masterOf(key: string): string | undefined;
  /**
   * Runs `work` once Redis is connected. Rejects with a QueueUnavailableError when Redis does not become
   * ready within the time limit, or the work fails because the connection failed; other errors pass through.
   */
  guard<T>(operation: string, work: () => Promise<T>): Promise<T>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** How to connect a fail-fast client. */
export interface FailFastRedisOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** Connection name shown by `CLIENT LIST`. */
  name: string;
  /** How long an operation waits for Redis, ms; default 1500. */
  unavailableAfterMs?: number;
  /** Receives connection errors at debug level (the caller reports the failed operation). */
  logger: Logger;
  /**
   * Send the commands issued in one event-loop turn together (ioredis auto-pipelining); default false.
   * For connections that carry many small concurrent reads; not for the ones BullMQ uses.
   */
  autoPipelining?: boolean;
}

/** Connects a client whose commands fail at once while Redis is away, so callers can answer 503 quickly. */
export function createFailFastRedis(options: FailFastRedisOptions): FailFastRedis {
  const limitMs = options.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
  const redis = describeRedis(options.connection);
  const client = connectRedis(options.connection, {
    connectionName: options.name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: limitMs,
    commandTimeout: limitMs,
    // Keep trying in the background so the next request finds Redis as soon as it is back.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    enableAutoPipelining: options.autoPipelining ?? false,
  });
  // Set while the connection is down after a failure: callers then fail at once instead of each waiting.
  let lastError: Error | undefined;
  client.on("error", (error: Error) => {
    lastError = error;
    options.logger.debug(redisErrorFields(error, redis), "redis connection error");
  });
  let readyCount = 0;
  client.on("ready", () => {
    lastError = undefined;
    readyCount += 1;
  });

  // Callers waiting at the same time share one wait, so a burst of requests adds one listener, not a thousand.
  let waiting: Promise<void> | undefined;
  const waitUntilReady = (): Promise<void> =>
    (waiting ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        client.off("error", onError);
        waiting = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onError = (error: Error) => settle(error);
      const timer = setTimeout(() => settle(new Error(`not connected within ${limitMs} ms`)), limitMs);
      client.once("ready", onReady);
      client.once("error", onError);
    }));

  const ready = async (operation: string): Promise<void> => {
    if (client.status === "ready") return;
    if (client.status === "end") throw new Error(`cannot ${operation}: the Redis connection was closed`);
    if (lastError) throw new QueueUnavailableError(operation, redis, { cause: lastError });
    try {
      await waitUntilReady();
    } catch (error) {
      throw new QueueUnavailableError(operation, redis, { cause: error });
    }
  };

  return {
    client,
    redis,
    connections: () => readyCount,
    masterOf: (key) => (client instanceof Cluster ? client.slots[keySlot(key)]?.[0] : undefined),
    guard: async (operation, work) => {
      await ready(operation);
      let timer: NodeJS.Timeout | undefined;
      // Commands time out on their own; this bounds work that waits on something else (a queue's set-up).
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new QueueUnavailableError(operation, redis, { cause: new Error(`no answer within ${5 * limitMs} ms`) }),
            ),
          5 * limitMs,
        );
      });
      try {
        return await Promise.race([work(), deadline]);
      } catch (error) {
        if (error instanceof QueueUnavailableError) throw error;
        if (isConnectionError(error) || client.status !== "ready")
          throw new QueueUnavailableError(operation, redis, { cause: error });
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => closeRedis(client),
  };
}

/** Connects a client for BullMQ workers: blocking commands wait for Redis however long it is away. */
export function createWorkerRedis(connection: RedisConnection, name: string, logger: Logger): RedisClient {
  const client = connectRedis(connection, {
    connectionName: name,
    // BullMQ requires this for the connections of workers, which block waiting for jobs.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  client.on("error", (error: Error) =>
    logger.debug(redisErrorFields(error, describeRedis(connection)), "redis connection error"),
  );
  return client;
}

/** Quits politely when connected, else drops the connection (and its reconnect attempts) at once. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** The fields of a log line about a Redis failure: the error (its command's arguments redacted), where, what to do. */
export interface RedisErrorFields {
  /** The failure; the logger redacts the arguments of the command it carries. */
  err: unknown;
  /** The Redis, as `host:port`. */
  redis: string;
  /** What to do about it, when the failure says: a refused password, nothing listening. */
  hint?: string;
}

/** The fields to log a Redis failure with. */
export function redisErrorFields(error: unknown, redis: string): RedisErrorFields {
  const hint = redisErrorHint(error, redis);
  return { err: error, redis, ...(hint === undefined ? {} : { hint }) };
}

/** What to do about a Redis failure that needs a person rather than time; undefined for the others. */
function redisErrorHint(error: unknown, redis: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // Sentinel mode: ioredis reports a round of Sentinels that named no master, with the last one's error.
  if (/^All sentinels are unreachable\b/.test(error.message)) {
    return /Last error: (WRONGPASS|NOAUTH|NOPERM|ERR AUTH)\b/.test(error.message)
      ? `the Sentinels of ${redis} refused the credentials: check REDIS_SENTINEL_PASSWORD`
      : `no Sentinel of ${redis} named the master: check REDIS_SENTINELS, REDIS_MASTER_NAME and that they run`;
  }
  // Cluster mode: no seed node gave the slots; the last node's failure says why.
  if (/^Failed to refresh slots cache\b/.test(error.message)) {
    const last = (error as { lastNodeError?: unknown }).lastNodeError;
    const lastHint = last instanceof Error ? redisErrorHint(last, redis) : undefined;
    return (
      lastHint ??
      `no node of ${redis} answered with the cluster's slots: check REDIS_CLUSTER_NODES and that the cluster runs`
    );
  }
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(error.message) || /^ERR AUTH\b/.test(error.message)) {
    return (
      `Redis at ${redis} refused the credentials: check the user name and password in REDIS_URL ` +
      `(and REDIS_SENTINEL_PASSWORD)`
    );
  }
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNREFUSED")
    return `nothing listens at ${redis}: check REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES) and that Redis runs`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `the host of ${redis} is not found: check REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES)`;
  return undefined;
}

const CONNECTION_MESSAGES = [
  /Stream isn't writeable/i,
  /Connection is closed/i,
  /Command timed out/i,
  /connect ETIMEDOUT/i,
  /Reached the max retries/i,
  // A master demoted by a failover answers writes so until the connection follows the Sentinels to the new one.
  /^READONLY\b/,
  // A Redis Cluster without a master for a slot, or a client that has not (yet) found the cluster's slots.
  /^CLUSTERDOWN\b/,
  /^TRYAGAIN\b/,
  /Failed to refresh slots cache/,
  /Cluster isn't ready/,
  /Too many Cluster redirections/,
];
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Whether a failure came from the connection to Redis rather than from the command itself. */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  if (error.name === "MaxRetriesPerRequestError" || error.name === "ConnectionClosedError") return true;
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}
