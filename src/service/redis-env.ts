import { ServiceEnvError } from "../core/errors.js";
import { envValue, readSecretVariable } from "../core/env-values.js";
import type { RedisConnection, SentinelAddress } from "../core/redis-connection.js";

/** The Redis the service uses when `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * Where the service's Redis is, from `REDIS_URL`, or from `REDIS_SENTINELS` with `REDIS_MASTER_NAME` (both or
 * neither), `REDIS_SENTINEL_PASSWORD` (or `_FILE`) and `REDIS_WAIT_REPLICAS`. With Sentinels, `REDIS_URL` still
 * gives the master's user name, password, database and TLS; its host is not used. Throws a ServiceEnvError naming
 * the variable when a value cannot be used; a value that may hold a password is never repeated.
 */
export function readRedisConnection(env: NodeJS.ProcessEnv, readFile: (path: string) => string): RedisConnection {
  const url = redisUrl(env);
  const sentinelList = envValue(env, "REDIS_SENTINELS");
  const masterName = envValue(env, "REDIS_MASTER_NAME");
  const password = readSecretVariable(env, "REDIS_SENTINEL_PASSWORD", "Sentinels' password", readFile);
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
  return text.split(",").map((entry) => {
    const item = entry.trim();
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(item);
    const port = Number(match?.[3]);
    const host = match?.[1] ?? match?.[2];
    if (host === undefined || !(port >= 1 && port <= 65535)) {
      throw new ServiceEnvError(
        "REDIS_SENTINELS",
        `REDIS_SENTINELS must list the Sentinels as host:port separated by commas, e.g. ` +
          `sentinel-0:26379,sentinel-1:26379; ${JSON.stringify(item)} is not host:port`,
      );
    }
    return { host, port };
  });
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
