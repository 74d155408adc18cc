import type { ResponderConfig } from "../core/config/load.js";
import { createKubernetesGateway } from "../gateways/kubernetes/create-kubernetes-gateway.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import { createClusterModes, type RedisClusterModes } from "../queue/cluster-modes.js";
import type { Logger } from "../core/logger.js";
import { createMetrics, type Metrics } from "../core/metrics.js";
import { createRecoveryQueue } from "../queue/bullmq-queue.js";
import type { RecoveryQueue } from "../queue/recovery-queue.js";

/** What every role of a process shares: one connection each to Redis and Kubernetes, one metrics registry. */
export interface ServiceResources {
  /** The recovery queue (enqueue, history, readiness). */
  queue: RecoveryQueue;
  /** The cluster modes, shared by every process through Redis. */
  modes: RedisClusterModes;
  /** Kubernetes, for the recovery, the sweep and the Pod labels of alerts. */
  kubernetes: KubernetesGateway;
  /** This process's metrics, served on each of its `/metrics`. */
  metrics: Metrics;
  /** Closes the Redis connections. */
  close(): Promise<void>;
}

/** How to make the shared resources. */
export interface ServiceResourcesOptions {
  /** The loaded configuration. */
  config: ResponderConfig;
  /** Redis URL. */
  redisUrl: string;
  /** The process logger. */
  logger: Logger;
  /**
   * Whether `/metrics` reports the queue lengths and cluster modes (read from Redis at scrape time). The
   * receiver does; a worker-only process leaves them to the receiver so each series has one source.
   */
  queueGauges: boolean;
}

/** Creates the queue, the modes, the Kubernetes gateway and the metrics; none of them waits for Redis. */
export function createServiceResources(options: ServiceResourcesOptions): ServiceResources {
  const { config, logger } = options;
  const modes = createClusterModes({ connection: options.redisUrl, config, logger });
  const queue = createRecoveryQueue({ connection: options.redisUrl, config, logger, modes });
  const kubernetes = createKubernetesGateway({ logger });
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
