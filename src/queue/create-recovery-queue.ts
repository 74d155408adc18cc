import { Queue } from "bullmq";
import type { ResolvedCluster, ResponderConfig } from "../config/index.js";
import type { ClusterModes } from "../modes/cluster-modes.js";
import { configuredCluster } from "../modes/configured-cluster.js";
import { configuredMode } from "../modes/create-cluster-modes.js";
import type { Logger } from "../observability/logger.js";
import { clusterKey, deduplicationId, DEFAULT_PREFIX, RECOVERY_JOB_NAME, recoveryQueueName, lastRecoveredKey } from "./queue-names.js";
import type { RecoveryJobData, RecoveryJobResult } from "./recovery-job.js";
import { newRecoveryJobId, parseRecoveryJobId } from "./recovery-job-id.js";
import { recoveryJobOptions } from "./recovery-job-options.js";
import type { RecoveryFilter, RecoveryQueue, RecoveryRecord } from "./recovery-queue.js";
import { toRecoveryRecord, type RecoveryJob } from "./recovery-record.js";
import { ALL_BULLMQ_STATES, BULLMQ_STATES, recoveryStateOf } from "./recovery-states.js";
import { createFailFastRedis } from "./redis-connections.js";
import { UnknownMemberError } from "./unknown-member-error.js";

/** How to reach the recovery queue. */
export interface RecoveryQueueOptions {
  /** Redis URL, e.g. `redis://redis:6379`; Redis is the only state the service's processes share. */
  connection: string;
  /** The clusters (one queue each) and the service settings (retries, history). */
  config: ResponderConfig;
  /** Prefix of every Redis key; default `etcd-responder`. Workers and modes must use the same. */
  prefix?: string;
  /** The process logger; a child `{ name: "recovery-queue" }` is taken. */
  logger: Logger;
  /** How long an operation waits for Redis before a QueueUnavailableError, ms; default 1500. */
  unavailableAfterMs?: number;
  /**
   * The cluster modes, so that a queued recovery shows the mode it is expected to run in (the worker
   * records the mode it actually used). Default: the configured modes.
   */
  modes?: ClusterModes;
}

/** Default number of recoveries `list` returns. */
const DEFAULT_LIST_LIMIT = 100;

/**
 * The recovery queue over BullMQ: one queue per configured cluster (`recover.<namespace>.<cluster>`),
 * BullMQ deduplication per member, job options from `config.service`. Creating it does not wait for
 * Redis; every call fails with a QueueUnavailableError while Redis cannot be reached.
 */
export function createRecoveryQueue(options: RecoveryQueueOptions): RecoveryQueue {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = options.logger.child({ name: "recovery-queue" });
  const config = options.config;
  const redis = createFailFastRedis({
    url: options.connection,
    name: `${prefix}:queue`,
    logger,
    ...(options.unavailableAfterMs !== undefined ? { unavailableAfterMs: options.unavailableAfterMs } : {}),
  });
  const jobOptions = recoveryJobOptions(config.service);
  const queues = new Map<string, Queue<RecoveryJobData, RecoveryJobResult>>();

  // Made on first use, so that a queue's set-up runs only once Redis has answered.
  const queueOf = (cluster: ResolvedCluster): Queue<RecoveryJobData, RecoveryJobResult> => {
    const key = clusterKey(cluster.namespace, cluster.name);
    let queue = queues.get(key);
    if (!queue) {
      queue = new Queue<RecoveryJobData, RecoveryJobResult>(recoveryQueueName(cluster.namespace, cluster.name), {
        connection: redis.client,
        prefix,
        defaultJobOptions: jobOptions,
      });
      queue.on("error", (error) => logger.debug({ err: error, cluster: key }, "queue connection error"));
      queues.set(key, queue);
    }
    return queue;
  };

  const expectedMode = async (cluster: ResolvedCluster): Promise<RecoveryJobData["mode"]> => {
    const mode = options.modes ? (await options.modes.get(cluster.namespace, cluster.name)).mode : configuredMode(config, cluster);
    // A paused cluster changes nothing; the HTTP layer refuses to queue for it anyway.
    return mode === "act" ? "act" : "observe";
  };

  const loadRecord = async (cluster: ResolvedCluster, id: string): Promise<RecoveryRecord | undefined> => {
    const queue = queueOf(cluster);
    const [job, state] = await Promise.all([queue.getJob(id), queue.getJobState(id)]);
    if (!job) return undefined;
    const recoveryState = recoveryStateOf(state, job.returnvalue ?? undefined);
    return recoveryState ? toRecoveryRecord(job as RecoveryJob, recoveryState) : undefined;
  };

  return {
    enqueue: async (request) => {
      const cluster = configuredCluster(config, request.namespace, request.cluster);
      const key = clusterKey(cluster.namespace, cluster.name);
      if (!Number.isInteger(request.member) || request.member < 1 || request.member > cluster.members.length) {
        throw new UnknownMemberError(key, request.member, cluster.members.length);
      }
      const data: RecoveryJobData = {
        cluster: cluster.name,
        namespace: cluster.namespace,
        member: request.member,
        trigger: request.trigger,
        mode: request.expectedMode ?? (await expectedMode(cluster)),
      };
      const trigger = request.trigger;
      if (trigger.kind === "alert" && trigger.startsAt) {
        const recovered = await redis.guard("read the member's last recovery", () =>
          redis.client.get(lastRecoveredKey(prefix, cluster.namespace, cluster.name, request.member)),
        );
        const [at, lastId] = (recovered ?? "").split(" ");
        if (lastId && Number(at) > Date.parse(trigger.startsAt)) {
          logger.debug({ id: lastId, cluster: key, member: request.member }, "alert started before the member's last recovery");
          return { id: lastId, cluster: cluster.name, namespace: cluster.namespace, member: request.member, deduplicated: true };
        }
      }
      const jobId = newRecoveryJobId(cluster.name, request.member);
      // One Lua script adds the job or answers the id of the one holding the member's deduplication id.
      const job = await redis.guard("queue a recovery", () =>
        queueOf(cluster).add(RECOVERY_JOB_NAME, data, { jobId, deduplication: { id: deduplicationId(cluster.namespace, cluster.name, request.member) } }),
      );
      const id = job.id ?? jobId;
      const deduplicated = id !== jobId;
      const fields = { id, cluster: key, member: request.member, trigger: request.trigger.kind };
      if (deduplicated) logger.debug(fields, "recovery request joined a queued recovery");
      else logger.info(fields, "recovery queued");
      return { id, cluster: cluster.name, namespace: cluster.namespace, member: request.member, deduplicated };
    },

    get: async (id) => {
      const parts = parseRecoveryJobId(id);
      if (!parts) return undefined;
      const candidates = config.clusters.filter((cluster) => cluster.name === parts.cluster);
      return redis.guard("read a recovery", async () => {
        for (const cluster of candidates) {
          const record = await loadRecord(cluster, id);
          if (record) return record;
        }
        return undefined;
      });
    },

    list: async (filter: RecoveryFilter) => {
      const limit = Math.max(0, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT));
      const clusters = config.clusters.filter((cluster) => matchesCluster(cluster, filter.cluster));
      const types = [...(filter.state ? BULLMQ_STATES[filter.state] : ALL_BULLMQ_STATES)];
      if (limit === 0 || clusters.length === 0) return [];
      return redis.guard("list recoveries", async () => {
        // Ids carry member and time, so filtering and ordering need no job to be read.
        const candidates: { cluster: ResolvedCluster; id: string; createdAt: number }[] = [];
        await Promise.all(
          clusters.map(async (cluster) => {
            for (const id of await queueOf(cluster).getRanges(types, 0, -1)) {
              const parts = parseRecoveryJobId(id);
              if (!parts || (filter.member !== undefined && parts.member !== filter.member)) continue;
              candidates.push({ cluster, id, createdAt: parts.createdAt });
            }
          }),
        );
        candidates.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        const records: RecoveryRecord[] = [];
        const batch = Math.max(limit, 20);
        for (let start = 0; start < candidates.length && records.length < limit; start += batch) {
          const loaded = await Promise.all(candidates.slice(start, start + batch).map((c) => loadRecord(c.cluster, c.id)));
          for (const record of loaded) {
            // A job may have moved on between listing and reading; the state read last is the one shown.
            if (record && (!filter.state || record.state === filter.state) && records.length < limit) records.push(record);
          }
        }
        return records;
      });
    },

    ping: () => redis.guard("reach Redis", async () => void (await redis.client.ping())),

    waitingCounts: () =>
      redis.guard("count waiting recoveries", async () => {
        const counts: Record<string, number> = {};
        await Promise.all(
          config.clusters.map(async (cluster) => {
            const byState = await queueOf(cluster).getJobCounts("waiting", "delayed", "prioritized");
            counts[clusterKey(cluster.namespace, cluster.name)] = Object.values(byState).reduce((sum, n) => sum + n, 0);
          }),
        );
        return counts;
      }),

    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close().catch(() => undefined)));
      queues.clear();
      await redis.close();
    },
  };
}

/** Whether `cluster` is the one a filter names, by `name` or by `namespace/name`. */
function matchesCluster(cluster: ResolvedCluster, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  return wanted.includes("/") ? wanted === clusterKey(cluster.namespace, cluster.name) : wanted === cluster.name;
}
