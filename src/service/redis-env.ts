import { ServiceEnvError } from "../core/errors.js";
import { envValue, readSecretVariable } from "../core/env-values.js";
import type { RedisConnection, SentinelAddress } from "../core/redis-connection.js";
import { DEFAULT_PREFIX, hashTagOf, queuePrefixProblem } from "../core/redis-keys.js";

/** The Redis the service uses when `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * Where the service's Redis is, from `REDIS_URL`, from `REDIS_SENTINELS` with `REDIS_MASTER_NAME` (both or
 * neither) and `REDIS_SENTINEL_PASSWORD` (or `_FILE`), or from `REDIS_CLUSTER_NODES` (a Redis Cluster; not with
 * Sentinel); and `REDIS_WAIT_REPLICAS`. With Sentinels, `REDIS_URL` still gives the master's user name, password,
 * database and TLS; with a cluster, the user name, password and TLS (database 0 only). Its host is then not used.
 * Throws a ServiceEnvError naming the variable when a value cannot be used; a value that may hold a password is
 * never repeated.
 */
export function readRedisConnection(env: NodeJS.ProcessEnv, readFile: (path: string) => string): RedisConnection {
  const url = redisUrl(env);
  const sentinelList = envValue(env, "REDIS_SENTINELS");
  const masterName = envValue(env, "REDIS_MASTER_NAME");
  const clusterList = envValue(env, "REDIS_CLUSTER_NODES");
  if (clusterList !== undefined) {
    const sentinelVariable = sentinelList !== undefined ? "REDIS_SENTINELS" : "REDIS_MASTER_NAME";
    if (sentinelList !== undefined || masterName !== undefined) {
      throw new ServiceEnvError(
        "REDIS_CLUSTER_NODES",
        `REDIS_CLUSTER_NODES (a Redis Cluster) and ${sentinelVariable} (Sentinel) are two ways to reach Redis: ` +
          `set one of them, not both`,
      );
    }
  }
  const password = readSecretVariable(env, "REDIS_SENTINEL_PASSWORD", "Sentinels' password", readFile);
  if (clusterList !== undefined) {
    if (password !== undefined) {
      throw new ServiceEnvError(
        "REDIS_SENTINEL_PASSWORD",
        "REDIS_SENTINEL_PASSWORD is for Sentinel, not for a Redis Cluster (REDIS_CLUSTER_NODES): unset it; the " +
          "cluster's password goes in REDIS_URL",
      );
    }
    return { url: clusterUrl(url), cluster: { nodes: clusterNodes(clusterList) }, waitReplicas: waitReplicas(env, 1) };
  }
  if (sentinelList === undefined && masterName === undefined) {
    if (password !== undefined) {
      throw new ServiceEnvError(
        "REDIS_SENTINEL_PASSWORD",
        "REDIS_SENTINEL_PASSWORD is for Sentinel: set REDIS_SENTINELS and REDIS_MASTER_NAME too, or unset it",
      );
    }
    return { url, waitReplicas: waitReplicas(env, 0) };
  }
  if (sentinelList === undefined || masterName === undefined) {
    const missing = sentinelList === undefined ? "REDIS_SENTINELS" : "REDIS_MASTER_NAME";
    throw new ServiceEnvError(
      missing,
      `REDIS_SENTINELS and REDIS_MASTER_NAME go together (Sentinel is used with both, neither means REDIS_URL ` +
        `alone); ${missing} is not set`,
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(masterName)) {
    throw new ServiceEnvError(
      "REDIS_MASTER_NAME",
      `REDIS_MASTER_NAME must be the name the Sentinels monitor the master under (letters, digits, . _ -), ` +
        `got ${JSON.stringify(masterName)}`,
    );
  }
  return {
    url,
    sentinel: {
      sentinels: sentinelAddresses(sentinelList),
      masterName,
      ...(password === undefined ? {} : { password }),
    },
    waitReplicas: waitReplicas(env, 1),
  };
}

function redisUrl(env: NodeJS.ProcessEnv): string {
  const text = envValue(env, "REDIS_URL") ?? DEFAULT_REDIS_URL;
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    // The value may hold a password: it is not repeated.
    throw new ServiceEnvError("REDIS_URL", "REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://redis:6379/0");
  }
  return text;
}

/** `host:port,host:port`; an IPv6 address in brackets, e.g. `[fd00::7]:26379`. */
function sentinelAddresses(text: string): SentinelAddress[] {
  return addresses(text, "REDIS_SENTINELS", "the Sentinels", "sentinel-0:26379,sentinel-1:26379");
}

/** `REDIS_CLUSTER_NODES`: `host:port,host:port`, each address once. */
function clusterNodes(text: string): SentinelAddress[] {
  const nodes = addresses(text, "REDIS_CLUSTER_NODES", "some nodes of the cluster", "redis-0:6379,redis-1:6379");
  const seen = new Set<string>();
  for (const { host, port } of nodes) {
    const key = `${host.toLowerCase()}:${port}`;
    if (seen.has(key)) {
      throw new ServiceEnvError("REDIS_CLUSTER_NODES", `REDIS_CLUSTER_NODES lists ${JSON.stringify(key)} twice`);
    }
    seen.add(key);
  }
  return nodes;
}

/**
 * A list of `host:port` separated by commas (white space around each allowed); an IPv6 address in brackets. Throws
 * a ServiceEnvError naming `variable`, what it lists (`what`) and an `example` for anything else.
 */
function addresses(text: string, variable: string, what: string, example: string): SentinelAddress[] {
  return text.split(",").map((entry) => {
    const item = entry.trim();
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(item);
    const port = Number(match?.[3]);
    const host = match?.[1] ?? match?.[2];
    if (host === undefined || !(port >= 1 && port <= 65535)) {
      throw new ServiceEnvError(
        variable,
        `${variable} must list ${what} as host:port separated by commas, e.g. ` +
          `${example}; ${JSON.stringify(item)} is not host:port`,
      );
    }
    return { host, port };
  });
}

/** `REDIS_URL` for a Redis Cluster: only its credentials and scheme count, and a cluster has database 0 only. */
function clusterUrl(url: string): string {
  const database = new URL(url).pathname.replace(/^\//, "");
  if (database !== "" && database !== "0") {
    // The value may hold a password: only the database is repeated.
    throw new ServiceEnvError(
      "REDIS_URL",
      `a Redis Cluster (REDIS_CLUSTER_NODES) has database 0 only: REDIS_URL names database ` +
        `${JSON.stringify(database)}; use /0 or none (e.g. redis://:PASSWORD@unused/0; its host is not used)`,
    );
  }
  return url;
}

/**
 * `QUEUE_PREFIX`: the prefix of every Redis key the service writes; default `etcd-responder`. On a Redis Cluster
 * (`cluster`) it must have a hash tag, e.g. `{etcd-responder}`, so that every key is in one hash slot (BullMQ's
 * scripts and the service's read keys of several kinds together). Throws a ServiceEnvError naming the variable, with
 * the value to set, when the prefix cannot be used.
 */
export function readQueuePrefix(env: NodeJS.ProcessEnv, cluster: boolean): string {
  const given = envValue(env, "QUEUE_PREFIX");
  const prefix = given ?? DEFAULT_PREFIX;
  const problem = queuePrefixProblem(prefix, cluster);
  if (problem === undefined) return prefix;
  if (cluster && hashTagOf(prefix) === undefined && /^[A-Za-z0-9._-]+$/.test(prefix)) {
    const tagged = `{${prefix}}`;
    throw new ServiceEnvError(
      "QUEUE_PREFIX",
      `a Redis Cluster (REDIS_CLUSTER_NODES) needs QUEUE_PREFIX with a hash tag, so that every key of the service ` +
        `is in one hash slot: set QUEUE_PREFIX=${tagged}` +
        (given === undefined
          ? ` (it is unset, which means ${JSON.stringify(prefix)})`
          : `, not ${JSON.stringify(prefix)}`),
    );
  }
  throw new ServiceEnvError("QUEUE_PREFIX", `QUEUE_PREFIX ${problem}, got ${JSON.stringify(prefix)}`);
}

/** `REDIS_WAIT_REPLICAS`: how many replicas must confirm an accepted request; `fallback` when unset. */
function waitReplicas(env: NodeJS.ProcessEnv, fallback: number): number {
  const text = envValue(env, "REDIS_WAIT_REPLICAS");
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,2}$/.test(text)) {
    throw new ServiceEnvError(
      "REDIS_WAIT_REPLICAS",
      `REDIS_WAIT_REPLICAS must be a number of replicas from 0 to 99 (0: answer once the master has a request), ` +
        `got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}
