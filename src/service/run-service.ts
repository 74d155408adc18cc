import { pino } from "pino";
import { loadConfig, type ResponderConfig } from "../core/config/load.js";
import { ConfigError, ServiceEnvError, messageOf } from "../core/errors.js";
import { readAuthSettings, type AuthSettings } from "../intake/auth.js";
import { createLogger, type Logger } from "../core/logger.js";
import { logProcessWarnings } from "../core/process-warnings.js";
import { describeRedis, type RedisConnection } from "../core/redis-connection.js";
import { startIdleHeapRelease } from "../core/idle-heap-release.js";
import { readServiceEnv, type ServiceEnv } from "./env.js";
import { checkKubeConfig } from "../gateways/kubernetes/kube-config-check.js";
import { kubernetesAccess, type KubernetesAccess } from "./kubernetes-access.js";
import { createClusterModes, type RedisClusterModes } from "../queue/cluster-modes.js";
import { createMetrics, type Metrics } from "../core/metrics.js";
import { createRecoveryQueue } from "../queue/bullmq-queue.js";
import type { RecoveryQueue } from "../queue/recovery-queue.js";

/** `serve`: the HTTP receiver; `worker`: the recovery workers; `all`: both in one process. */
export type ServiceRole = "serve" | "worker" | "all";

/** What a service process runs. */
export interface RunServiceOptions {
  /** Which process this is. */
  role: ServiceRole;
  /** The configuration file (`--config`). */
  configPath: string;
  /** `--insecure-no-auth`: let the receiver start without credentials. Ignored by `worker`. */
  insecureNoAuth: boolean;
}

/** Where the process reads its settings and writes the one line of a refusal to start. */
export interface ServiceIO {
  /** The environment (`PORT`, `WORKER_PORT`, `HOST`, `REDIS_URL`, `AUTH_TOKEN`, ...). */
  env: NodeJS.ProcessEnv;
  /** Writes one line to standard error. */
  stderr: (line: string) => void;
}

const PROCESS_IO: ServiceIO = { env: process.env, stderr: (line) => process.stderr.write(`${line}\n`) };

/** Exit code when the environment, the configuration or the credentials are unusable. */
const EXIT_MISCONFIGURED = 2;

/**
 * Runs a service process until SIGTERM or SIGINT, then stops taking work (the HTTP server stops accepting,
 * a running recovery stops at its next step boundary and is queued again), closes its Redis connections
 * and resolves with 0. A bad environment, configuration or missing credentials: one line on standard
 * error and 2; a server that cannot listen: 1. A second signal exits at once with 1.
 */
export async function runService(options: RunServiceOptions, io: ServiceIO = PROCESS_IO): Promise<number> {
  const { role } = options;
  const say = (message: string) => io.stderr(`etcd-responder ${role}: ${message.split("\n").join("; ")}`);

  let settings: { env: ServiceEnv; config: ResponderConfig; auth: AuthSettings | undefined };
  try {
    const env = readServiceEnv(io.env);
    const config = await loadConfig(options.configPath);
    const auth = role === "worker" ? undefined : readAuthSettings(io.env, { insecureNoAuth: options.insecureNoAuth });
    settings = { env, config, auth };
  } catch (error) {
    if (error instanceof ServiceEnvError || error instanceof ConfigError) {
      say(error.message);
      return EXIT_MISCONFIGURED;
    }
    throw error;
  }
  const { env, config, auth } = settings;

  // Listening before anything starts, so a signal during start-up still shuts down in order.
  const shutdown = waitForShutdownSignal();
  // Asynchronous writes: under an alert storm lines written while one write is under way leave in one
  // system call; whatever is buffered is written out when the process exits, even by process.exit.
  const logger = createLogger({ level: env.logLevel, destination: pino.destination({ dest: 1, sync: false }) });
  logProcessWarnings(logger);
  let resources: ServiceResources;
  try {
    // A worker needs Kubernetes for every recovery, so it loads the client now; a receiver needs it only for a
    // Pod named outside the convention, so it checks the configuration now and loads the client then.
    const kubernetes = kubernetesAccess(logger);
    if (role === "serve") checkKubeConfig();
    else await kubernetes();
    resources = createServiceResources({
      config,
      redis: env.redis,
      prefix: env.queuePrefix,
      logger,
      kubernetes,
      queueGauges: role !== "worker",
    });
  } catch (error) {
    // For example a kubeconfig that cannot be read.
    say(`cannot start: ${messageOf(error)}`);
    return error instanceof ConfigError ? EXIT_MISCONFIGURED : 1;
  }
  const stops: (() => Promise<void>)[] = [];
  try {
    // Only the roles with a receiver read credentials.
    // Each role loads its own modules, so a process holds only the code of the roles it runs.
    if (auth) {
      const { startReceiver } = await import("./receiver.js");
      const receiver = await startReceiver({ config, resources, auth, logger, host: env.host, port: env.port });
      stops.push(() => receiver.close());
    }
    if (role !== "serve") {
      const { startWorker } = await import("./worker.js");
      const worker = await startWorker({
        config,
        resources,
        logger,
        redis: env.redis,
        prefix: env.queuePrefix,
        holder: env.holder,
        host: env.host,
        port: env.workerPort,
      });
      stops.push(() => worker.close());
    }
  } catch (error) {
    logger.error({ err: error }, "start failed");
    await stopEverything(stops, () => resources.close());
    say(`cannot start: ${messageOf(error)}`);
    return 1;
  }
  const memory = env.idleHeapRelease
    ? startIdleHeapRelease({ logger, onRelease: () => resources.metrics.countIdleHeapRelease() })
    : undefined;
  logger.info(
    {
      role,
      clusters: config.catalog.clusters.length,
      redis: describeRedis(env.redis),
      prefix: env.queuePrefix,
      holder: env.holder,
    },
    "started",
  );

  const signal = await shutdown;
  const stopNow = exitOnSecondSignal(logger);
  logger.info({ signal }, "shutting down: taking no more work");
  memory?.stop();
  await stopEverything(stops, () => resources.close());
  logger.info("stopped");
  stopNow.dispose();
  return 0;
}

/** Stops the roles together, then closes the shared connections they used. */
async function stopEverything(
  stops: readonly (() => Promise<void>)[],
  closeResources: () => Promise<void>,
): Promise<void> {
  await Promise.all(stops.map((stop) => stop()));
  await closeResources();
}

/**
 * While shutting down, a second SIGTERM or SIGINT exits at once; the queue resumes an interrupted recovery elsewhere.
 */
function exitOnSecondSignal(logger: Logger): { dispose(): void } {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(
      { signal },
      "second signal: exiting at once; an interrupted recovery is picked up again once its lock expires",
    );
    process.exit(1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** What every role of a process shares: one connection each to Redis and Kubernetes, one metrics registry. */
export interface ServiceResources {
  /** The recovery queue (enqueue, history, readiness). */
  queue: RecoveryQueue;
  /** The cluster modes, shared by every process through Redis. */
  modes: RedisClusterModes;
  /** Kubernetes, for the recovery, the sweep and the Pod labels of alerts; loaded on first use. */
  kubernetes: KubernetesAccess;
  /** This process's metrics, served on each of its `/metrics`. */
  metrics: Metrics;
  /** Closes the Redis connections. */
  close(): Promise<void>;
}

/** How to make the shared resources. */
interface ServiceResourcesOptions {
  /** The loaded configuration. */
  config: ResponderConfig;
  /** Where Redis is. */
  redis: RedisConnection;
  /** Prefix of every Redis key (`QUEUE_PREFIX`). */
  prefix: string;
  /** The process logger. */
  logger: Logger;
  /** The process's Kubernetes gateway, made on first use. */
  kubernetes: KubernetesAccess;
  /**
   * Whether `/metrics` reports the queue lengths and cluster modes (read from Redis at scrape time). The
   * receiver does; a worker-only process leaves them to the receiver so each series has one source.
   */
  queueGauges: boolean;
}

/** Creates the queue, the modes and the metrics, beside the given Kubernetes access; none of them waits for Redis. */
function createServiceResources(options: ServiceResourcesOptions): ServiceResources {
  const { config, logger, prefix, kubernetes } = options;
  const modes = createClusterModes({ connection: options.redis, config, logger, prefix });
  const queue = createRecoveryQueue({ connection: options.redis, config, logger, modes, prefix });
  const metrics = createMetrics(
    options.queueGauges ? { waitingCounts: () => queue.waitingCounts(), clusterModes: () => modes.list() } : {},
  );
  return {
    queue,
    modes,
    kubernetes,
    metrics,
    close: async () => {
      await Promise.all([queue.close(), modes.close()]);
    },
  };
}

/** Resolves with the first SIGINT or SIGTERM the process receives. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
