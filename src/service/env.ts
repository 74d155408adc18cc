import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { pino } from "pino";
import { ServiceEnvError } from "../core/errors.js";
import { envValue as value } from "../core/env-values.js";
import type { RedisConnection } from "../core/redis-connection.js";
import { readQueuePrefix, readRedisConnection } from "./redis-env.js";

/** What the service's processes take from the environment (credentials excepted: see `readAuthSettings`). */
export interface ServiceEnv {
  /** Port of the receiver's HTTP API (`PORT`); default 8080; 0 picks a free one. */
  port: number;
  /** Port of the worker's probes and metrics (`WORKER_PORT`); default 8081; 0 picks a free one. */
  workerPort: number;
  /** Address both servers listen on (`HOST`); default `0.0.0.0`. */
  host: string;
  /**
   * The Redis every process shares: `REDIS_URL` (default `redis://127.0.0.1:6379`), or the master the Sentinels
   * of `REDIS_SENTINELS` name for `REDIS_MASTER_NAME`, or the Redis Cluster of `REDIS_CLUSTER_NODES` (see
   * `readRedisConnection`).
   */
  redis: RedisConnection;
  /**
   * Prefix of every Redis key the service writes (`QUEUE_PREFIX`); default `etcd-responder`. With a Redis Cluster
   * it has a hash tag, e.g. `{etcd-responder}` (see `readQueuePrefix`). Every process of the service must use the
   * same: another prefix is another queue, history and set of modes.
   */
  queuePrefix: string;
  /** Minimum log level (`LOG_LEVEL`); default `info`. */
  logLevel: string;
  /**
   * Who this process is in Lease holders and job records: `POD_NAME` (else `HOSTNAME`, else the host name) and the pid.
   */
  holder: string;
  /**
   * Give memory back once the process is quiet after start-up or a burst (`IDLE_HEAP_RELEASE`, `on` or `off`);
   * default on. See `startIdleHeapRelease`.
   */
  idleHeapRelease: boolean;
}

/** Defaults of the variables, as the Dockerfile and the chart expect them. */
const SERVICE_ENV_DEFAULTS = {
  port: 8080,
  workerPort: 8081,
  host: "0.0.0.0",
  logLevel: "info",
} as const;

/**
 * Reads the service's settings from the environment; empty variables count as unset. Throws a
 * ServiceEnvError naming the variable when a value cannot be used. `readFile` reads secret files
 * (`REDIS_SENTINEL_PASSWORD_FILE`); default `fs.readFileSync` as UTF-8.
 */
export function readServiceEnv(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): ServiceEnv {
  const logLevel = value(env, "LOG_LEVEL") ?? SERVICE_ENV_DEFAULTS.logLevel;
  const levels = Object.keys(pino.levels.values);
  if (!levels.includes(logLevel) && logLevel !== "silent") {
    throw new ServiceEnvError(
      "LOG_LEVEL",
      `LOG_LEVEL must be one of ${[...levels, "silent"].join(", ")}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const redis = readRedisConnection(env, readFile);
  return {
    port: port(env, "PORT", SERVICE_ENV_DEFAULTS.port),
    workerPort: port(env, "WORKER_PORT", SERVICE_ENV_DEFAULTS.workerPort),
    host: value(env, "HOST") ?? SERVICE_ENV_DEFAULTS.host,
    redis,
    queuePrefix: readQueuePrefix(env, redis.cluster !== undefined),
    logLevel,
    holder: leaseHolder(env, pid),
    idleHeapRelease: onOff(env, "IDLE_HEAP_RELEASE", true),
  };
}

/** `POD_NAME` (else `HOSTNAME`, else the host name) and the pid: unique per process, readable in a Lease. */
function leaseHolder(env: NodeJS.ProcessEnv, pid: number): string {
  return `${value(env, "POD_NAME") ?? value(env, "HOSTNAME") ?? hostname()}-${pid}`;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = value(env, name);
  if (text === undefined) return fallback;
  if (text === "on" || text === "off") return text === "on";
  throw new ServiceEnvError(name, `${name} must be on or off, got ${JSON.stringify(text)}`);
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = value(env, name);
  if (text === undefined) return fallback;
  const parsed = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(parsed >= 0 && parsed <= 65535)) {
    throw new ServiceEnvError(
      name,
      `${name} must be a port number from 0 to 65535 (0 picks a free port), got ${JSON.stringify(text)}`,
    );
  }
  return parsed;
}
