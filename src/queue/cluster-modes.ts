import { randomBytes } from "node:crypto";
import {
  CLUSTER_MODES,
  type CircuitBreakerSettings,
  type ClusterMode,
  type ResolvedCluster,
} from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import type { Logger } from "../core/logger.js";
import { DEFAULT_PREFIX } from "../core/redis-keys.js";
import { createFailFastRedis } from "../core/redis.js";
import type { RedisConnection } from "../core/redis-connection.js";

/** A cluster's mode and who set it. */
export interface ClusterModeState {
  cluster: string;
  namespace: string;
  mode: ClusterMode;
  /** `config`: the configured default; `api`: a person via the API; `circuit-breaker`: tripped by failures. */
  source: "config" | "api" | "circuit-breaker";
  /** Why, when set by the API or the circuit breaker. */
  reason?: string;
  /** ISO time it was set; absent for the configured default. */
  since?: string;
}

/** Per-cluster modes, kept in Redis so every process of the service sees the same. */
export interface ClusterModes {
  /** The cluster's mode now. */
  get(cluster: ResolvedCluster): Promise<ClusterModeState>;
  /** The mode of every configured cluster. */
  list(): Promise<ClusterModeState[]>;
  /** Sets the cluster's mode, saying who (`source`) and why. */
  set(
    cluster: ResolvedCluster,
    mode: ClusterMode,
    source: ClusterModeState["source"],
    reason?: string,
  ): Promise<ClusterModeState>;
  /**
   * Counts a failed recovery of the cluster; when the failures within the configured window reach the
   * threshold the cluster goes to `observe` (source `circuit-breaker`) and `tripped` is true.
   */
  recordFailure(cluster: ResolvedCluster): Promise<{ tripped: boolean; failures: number }>;
}

const SOURCES: readonly ClusterModeState["source"][] = ["config", "api", "circuit-breaker"];

/** How to reach the modes. */
export interface ClusterModesOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The clusters and their configured modes, and the circuit breaker settings. */
  config: ResponderConfig;
  /**
   * Prefix of every Redis key (`QUEUE_PREFIX`); default `etcd-responder` (the queue's). On a Redis Cluster its hash
   * tag puts a cluster's mode and failures in one slot, as the failure script and the mode transaction need.
   */
  prefix?: string;
  /** The process logger; a child `{ name: "cluster-modes" }` is taken. */
  logger: Logger;
  /** How long an operation waits for Redis before a QueueUnavailableError, ms; default 1500. */
  unavailableAfterMs?: number;
  /** Milliseconds since the epoch; tests pass their own. Default `Date.now`. */
  now?: () => number;
}

/** ClusterModes over Redis, plus `close()` for the connection it opened. */
export interface RedisClusterModes extends ClusterModes {
  /** Closes the Redis connection. */
  close(): Promise<void>;
}

/**
 * Per-cluster modes in Redis: a hash per cluster (absent: the configured default) and a sorted set of
 * failure times per cluster for the circuit breaker. The clusters come from the catalog; an unreachable
 * Redis throws a QueueUnavailableError.
 */
export function createClusterModes(options: ClusterModesOptions): RedisClusterModes {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = options.logger.child({ name: "cluster-modes" });
  const now = options.now ?? Date.now;
  const breaker = options.config.service.circuitBreaker;
  const redis = createFailFastRedis({
    connection: options.connection,
    name: `${prefix}:modes`,
    logger,
    // Every webhook request reads its cluster's mode; concurrent reads leave in one write.
    autoPipelining: true,
    ...(options.unavailableAfterMs !== undefined ? { unavailableAfterMs: options.unavailableAfterMs } : {}),
  });
  const client = redis.client;

  const stateOf = (cluster: ResolvedCluster, stored: Record<string, string>): ClusterModeState => {
    const mode = stored.mode as ClusterMode | undefined;
    const source = stored.source as ClusterModeState["source"] | undefined;
    if (mode === undefined || !CLUSTER_MODES.includes(mode) || source === undefined || !SOURCES.includes(source)) {
      return {
        cluster: cluster.name,
        namespace: cluster.namespace,
        mode: configuredMode(options.config, cluster),
        source: "config",
      };
    }
    return {
      cluster: cluster.name,
      namespace: cluster.namespace,
      mode,
      source,
      ...(stored.reason ? { reason: stored.reason } : {}),
      ...(stored.since ? { since: stored.since } : {}),
    };
  };

  return {
    get: (cluster) =>
      redis.guard("read the cluster mode", async () =>
        stateOf(cluster, await client.hgetall(modeKey(prefix, cluster.namespace, cluster.name))),
      ),

    list: () =>
      redis.guard("read the cluster modes", async () => {
        const pipeline = client.pipeline();
        for (const cluster of options.config.catalog.clusters)
          pipeline.hgetall(modeKey(prefix, cluster.namespace, cluster.name));
        const answers = (await pipeline.exec()) ?? [];
        return options.config.catalog.clusters.map((cluster, index) => {
          const [error, stored] = answers[index] ?? [new Error("no answer"), undefined];
          if (error) throw error;
          return stateOf(cluster, stored as Record<string, string>);
        });
      }),

    set: async (cluster, mode, source, reason) => {
      const { namespace, name } = cluster;
      if (!CLUSTER_MODES.includes(mode))
        throw new TypeError(`mode must be act, observe or paused, got ${JSON.stringify(mode)}`);
      if (!SOURCES.includes(source))
        throw new TypeError(`source must be config, api or circuit-breaker, got ${JSON.stringify(source)}`);
      const state: ClusterModeState = {
        cluster: cluster.name,
        namespace: cluster.namespace,
        mode,
        source,
        ...(reason ? { reason } : {}),
        since: new Date(now()).toISOString(),
      };
      return redis.guard("set the cluster mode", async () => {
        const key = modeKey(prefix, namespace, name);
        const transaction = client
          .multi()
          .del(key)
          .hset(key, { mode, source, since: state.since ?? "", ...(reason ? { reason } : {}) });
        // Setting `act` is someone saying the cluster was checked: old failures no longer count.
        if (mode === "act") transaction.del(failuresKey(prefix, namespace, name));
        const answers = await transaction.exec();
        const failed = answers?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        logger.info({ cluster: `${namespace}/${name}`, mode, source, reason }, "cluster mode set");
        return state;
      });
    },

    recordFailure: async (cluster) => {
      const { namespace, name } = cluster;
      const at = now();
      const windowMs = breaker.windowMinutes * 60_000;
      return redis.guard("record a failed recovery", async () => {
        const answer = (await client.eval(
          RECORD_FAILURE_SCRIPT,
          2,
          failuresKey(prefix, namespace, name),
          modeKey(prefix, namespace, name),
          String(at),
          String(at - windowMs),
          String(breaker.failures),
          `${at}-${randomBytes(4).toString("hex")}`,
          configuredMode(options.config, cluster),
          circuitBreakerReason(breaker),
          new Date(at).toISOString(),
          String(Math.ceil(windowMs) + 60_000),
        )) as [number, number];
        return { failures: Number(answer[0]), tripped: Number(answer[1]) === 1 };
      });
    },

    close: () => redis.close(),
  };
}

/** The cluster's mode from the configuration: its own `mode`, else `service.defaultMode`. */
export function configuredMode(config: ResponderConfig, cluster: ResolvedCluster): ClusterMode {
  return cluster.mode ?? config.service.defaultMode;
}

/** The reason a tripped cluster shows, saying what tripped it and what to do. */
export function circuitBreakerReason(settings: CircuitBreakerSettings): string {
  const noun = settings.failures === 1 ? "failed recovery" : "failed recoveries";
  return (
    `${settings.failures} ${noun} within ${settings.windowMinutes} min; set the mode back to act after checking ` +
    `the cluster`
  );
}

/**
 * Counts one failure and trips the breaker in one step, so that processes failing at the same moment
 * neither lose a count nor overwrite a mode someone set meanwhile. Only a cluster in `act` is tripped.
 *
 * KEYS: failures sorted set, mode hash.
 * ARGV: now ms, window start ms, threshold, unique entry, configured mode, reason, since (ISO), key lifetime ms.
 * Returns `[failures within the window, 1 when this call tripped the breaker else 0]`.
 */
const RECORD_FAILURE_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local mode = redis.call('HGET', KEYS[2], 'mode') or ARGV[5]
  if mode == 'act' then
    redis.call('DEL', KEYS[2])
    redis.call('HSET', KEYS[2], 'mode', 'observe', 'source', 'circuit-breaker', 'reason', ARGV[6], 'since', ARGV[7])
    return {count, 1}
  end
end
return {count, 0}
`;

/** Redis key of a cluster's mode hash (`mode`, `source`, `reason`, `since`); absent means the configured default. */
function modeKey(prefix: string, namespace: string, cluster: string): string {
  // Namespaces and cluster names are DNS labels, so `/` cannot be part of either.
  return `${prefix}:mode:${namespace}/${cluster}`;
}

/** Redis key of a cluster's failed-recovery times (a sorted set scored by ms since the epoch). */
function failuresKey(prefix: string, namespace: string, cluster: string): string {
  return `${prefix}:failures:${namespace}/${cluster}`;
}
