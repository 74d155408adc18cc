import { randomBytes } from "node:crypto";
import type { ResolvedCluster, ResponderConfig } from "../config/index.js";
import type { Logger } from "../observability/logger.js";
import { DEFAULT_PREFIX } from "../queue/queue-names.js";
import { createFailFastRedis } from "../queue/redis-connections.js";
import { circuitBreakerReason } from "./circuit-breaker-reason.js";
import { RECORD_FAILURE_SCRIPT } from "./circuit-breaker-script.js";
import { CLUSTER_MODES, type ClusterMode, type ClusterModes, type ClusterModeState } from "./cluster-modes.js";
import { configuredCluster } from "./configured-cluster.js";
import { failuresKey, modeKey } from "./mode-keys.js";

const SOURCES: readonly ClusterModeState["source"][] = ["config", "api", "circuit-breaker"];

/** How to reach the modes. */
export interface ClusterModesOptions {
  /** Redis URL, e.g. `redis://redis:6379`. */
  connection: string;
  /** The clusters and their configured modes, and the circuit breaker settings. */
  config: ResponderConfig;
  /** Prefix of every Redis key; default `etcd-responder` (the queue's). */
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
 * failure times per cluster for the circuit breaker. Unknown clusters throw an UnknownClusterError; an
 * unreachable Redis a QueueUnavailableError.
 */
export function createClusterModes(options: ClusterModesOptions): RedisClusterModes {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = options.logger.child({ name: "cluster-modes" });
  const now = options.now ?? Date.now;
  const breaker = options.config.service.circuitBreaker;
  const redis = createFailFastRedis({
    url: options.connection,
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
    get: async (namespace, name) => {
      const cluster = configuredCluster(options.config, namespace, name);
      return redis.guard("read the cluster mode", async () =>
        stateOf(cluster, await client.hgetall(modeKey(prefix, namespace, name))),
      );
    },

    list: () =>
      redis.guard("read the cluster modes", async () => {
        const pipeline = client.pipeline();
        for (const cluster of options.config.clusters)
          pipeline.hgetall(modeKey(prefix, cluster.namespace, cluster.name));
        const answers = (await pipeline.exec()) ?? [];
        return options.config.clusters.map((cluster, index) => {
          const [error, stored] = answers[index] ?? [new Error("no answer"), undefined];
          if (error) throw error;
          return stateOf(cluster, stored as Record<string, string>);
        });
      }),

    set: async (namespace, name, mode, source, reason) => {
      const cluster = configuredCluster(options.config, namespace, name);
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

    recordFailure: async (namespace, name) => {
      const cluster = configuredCluster(options.config, namespace, name);
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
