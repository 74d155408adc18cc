import { Queue, QueueKeys } from "bullmq";
import { DEFAULT_PREFIX } from "../core/redis-keys.js";
import type { ResolvedCluster } from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import { type ClusterModes, configuredMode } from "./cluster-modes.js";
import type { Logger } from "../core/logger.js";
import {
  clusterKey,
  deduplicationId,
  RECOVERY_JOB_NAME,
  recoveryQueueName,
  lastRecoveredKey,
  type RecoveryJobData,
  type RecoveryJobResult,
  newRecoveryJobId,
  parseRecoveryJobId,
  recoveryJobOptions,
  toRecoveryRecord,
  ALL_BULLMQ_STATES,
  BULLMQ_STATES,
  recoveryStateOf,
} from "./jobs.js";
import type {
  EnqueueResult,
  RecoveryFilter,
  RecoveryQueue,
  RecoveryRecord,
  RecoveryRequest,
} from "./recovery-queue.js";
import { createFailFastRedis, redisErrorFields } from "../core/redis.js";
import { REPLICA_WAIT_MS, type RedisClient, type RedisConnection } from "../core/redis-connection.js";
import { replicaConfirmation } from "./replica-confirmation.js";

/** How to reach the recovery queue. */
export interface RecoveryQueueOptions {
  /** Where Redis is; Redis is the only state the service's processes share. */
  connection: RedisConnection;
  /** The clusters (one queue each) and the service settings (retries, history). */
  config: ResponderConfig;
  /**
   * Prefix of every Redis key (`QUEUE_PREFIX`); default `etcd-responder`. Workers and modes must use the same. On a
   * Redis Cluster it has a hash tag, e.g. `{etcd-responder}`: the queue's Lua scripts, BullMQ's and this module's,
   * read and write keys of several kinds together, and they must all be in one slot.
   */
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
  const connect = (name: string, autoPipelining: boolean) =>
    createFailFastRedis({
      connection: options.connection,
      name,
      logger,
      autoPipelining,
      ...(options.unavailableAfterMs !== undefined ? { unavailableAfterMs: options.unavailableAfterMs } : {}),
    });
  // BullMQ's connection, and one for request-time reads, auto-pipelined so that concurrent webhook requests share
  // writes.
  const redis = connect(`${prefix}:queue`, false);
  const waitReplicas = options.connection.waitReplicas ?? 0;
  // When replicas must confirm, the look before an add goes over the connection that confirms, so that the
  // confirmation covers what the look found (see ReplicaConfirmation).
  const reads = waitReplicas > 0 ? redis : connect(`${prefix}:queue-reads`, true);
  const replicas =
    waitReplicas > 0 ? replicaConfirmation(redis, `${prefix}:replicated`, waitReplicas, REPLICA_WAIT_MS) : undefined;
  const readQueued = queuedRecoveryReader(reads.client);
  // BullMQ's key names, for the look that precedes an add.
  const queueKeys = new QueueKeys(prefix);
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
      queue.on("error", (error) =>
        logger.debug({ ...redisErrorFields(error, redis.redis), cluster: key }, "queue connection error"),
      );
      queues.set(key, queue);
    }
    return queue;
  };

  const expectedMode = async (cluster: ResolvedCluster): Promise<RecoveryJobData["mode"]> => {
    const mode = options.modes ? (await options.modes.get(cluster)).mode : configuredMode(config, cluster);
    // A paused cluster changes nothing; the HTTP layer refuses to queue for it anyway.
    return mode === "act" ? "act" : "observe";
  };

  const loadRecord = async (cluster: ResolvedCluster, id: string): Promise<RecoveryRecord | undefined> => {
    const queue = queueOf(cluster);
    // The state first: a job that ends between two reads is then seen as still running, never as finished
    // without the fields its end wrote (result, finish time).
    const state = await queue.getJobState(id);
    const job = await queue.getJob(id);
    if (!job) return undefined;
    const recoveryState = recoveryStateOf(state, job.returnvalue ?? undefined);
    return recoveryState ? toRecoveryRecord(job, recoveryState) : undefined;
  };

  // One round trip answers the common case of a storm (the member's recovery is queued) without BullMQ.
  const findJoinable = async (request: RecoveryRequest): Promise<EnqueueResult | undefined> => {
    const began = replicas?.begin() ?? "";
    const joinable = await lookForJoinable(request);
    if (joinable && replicas) await replicas.confirm(began);
    return joinable;
  };

  const lookForJoinable = async (request: RecoveryRequest): Promise<EnqueueResult | undefined> => {
    const { trigger } = request;
    const { cluster } = request.target;
    const member = request.target.member.index;
    const bullKeys = queueKeys.getKeys(recoveryQueueName(cluster.namespace, cluster.name));
    const found = await reads.guard("queue a recovery", () =>
      readQueued({
        lastRecovered: lastRecoveredKey(prefix, cluster.namespace, cluster.name, member),
        deduplication: `${bullKeys.de}:${deduplicationId(cluster.namespace, cluster.name, member)}`,
        jobPrefix: bullKeys[""] ?? "",
      }),
    );
    const joined = (id: string) => ({
      id,
      cluster: cluster.name,
      namespace: cluster.namespace,
      member,
      deduplicated: true,
    });
    const fields = { cluster: clusterKey(cluster.namespace, cluster.name), member, trigger: trigger.kind };
    if (
      trigger.kind === "alert" &&
      trigger.startsAt &&
      found.lastRecovered &&
      found.lastRecovered.at > Date.parse(trigger.startsAt)
    ) {
      logger.debug({ ...fields, id: found.lastRecovered.id }, "alert started before the member's last recovery");
      return joined(found.lastRecovered.id);
    }
    if (found.queuedId) {
      logger.debug({ ...fields, id: found.queuedId }, "recovery request joined a queued recovery");
      return joined(found.queuedId);
    }
    return undefined;
  };

  return {
    findJoinable,

    enqueue: async (request) => {
      const joinable = await findJoinable(request);
      if (joinable) return joinable;
      const { cluster } = request.target;
      const member = request.target.member.index;
      const key = clusterKey(cluster.namespace, cluster.name);
      const trigger = request.trigger;
      const data: RecoveryJobData = {
        cluster: cluster.name,
        namespace: cluster.namespace,
        member,
        trigger,
        mode: request.expectedMode ?? (await expectedMode(cluster)),
      };
      const jobId = newRecoveryJobId(cluster.name, member);
      // BullMQ's add still decides: one Lua script adds the job or answers the id of the one that got the
      // member's deduplication id since the look above.
      const deduplication = { id: deduplicationId(cluster.namespace, cluster.name, member) };
      const began = replicas?.begin() ?? "";
      const job = await redis.guard("queue a recovery", () =>
        queueOf(cluster).add(RECOVERY_JOB_NAME, data, { jobId, deduplication }),
      );
      // Answered only once the replicas have it: a failover must not lose an accepted request.
      await replicas?.confirm(began);
      const id = job.id ?? jobId;
      const deduplicated = id !== jobId;
      // Debug: each caller (webhook, manual request, sweep) logs the event with what asked for it.
      logger.debug(
        { id, cluster: key, member, trigger: trigger.kind, deduplicated },
        deduplicated ? "recovery request joined a queued recovery" : "recovery queued",
      );
      return { id, cluster: cluster.name, namespace: cluster.namespace, member, deduplicated };
    },

    get: async (id) => {
      const parts = parseRecoveryJobId(id);
      if (!parts) return undefined;
      const candidates = config.catalog.clusters.filter((cluster) => cluster.name === parts.cluster);
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
      const clusters = config.catalog.clusters.filter((cluster) => matchesCluster(cluster, filter.cluster));
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
          const loaded = await Promise.all(
            candidates.slice(start, start + batch).map((c) => loadRecord(c.cluster, c.id)),
          );
          for (const record of loaded) {
            // A job may have moved on between listing and reading; the state read last is the one shown.
            if (record && (!filter.state || record.state === filter.state) && records.length < limit)
              records.push(record);
          }
        }
        return records;
      });
    },

    // Both connections: each reconnects on its own back-off, and a request may need either. A read of a key of
    // the prefix rather than PING: on a Redis Cluster it asks the master of the prefix's slot, which must answer.
    ping: async () => {
      await Promise.all(
        [...new Set([redis, reads])].map((connection) =>
          connection.guard("reach Redis", async () => void (await connection.client.exists(`${prefix}:ping`))),
        ),
      );
    },

    waitingCounts: () =>
      redis.guard("count waiting recoveries", async () => {
        const counts: Record<string, number> = {};
        await Promise.all(
          config.catalog.clusters.map(async (cluster) => {
            const byState = await queueOf(cluster).getJobCounts("waiting", "delayed", "prioritized");
            counts[clusterKey(cluster.namespace, cluster.name)] = Object.values(byState).reduce((sum, n) => sum + n, 0);
          }),
        );
        return counts;
      }),

    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close().catch(() => undefined)));
      queues.clear();
      await Promise.all([...new Set([redis, reads])].map((connection) => connection.close()));
    },
  };
}

/** Whether `cluster` is the one a filter names, by `name` or by `namespace/name`. */
function matchesCluster(cluster: ResolvedCluster, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  return wanted.includes("/") ? wanted === clusterKey(cluster.namespace, cluster.name) : wanted === cluster.name;
}

/**
 * What stands in the way of a new recovery of a member, read in one round trip before BullMQ is asked to
 * add one: under an alert storm nearly every request stops here.
 *
 * KEYS: the member's last-recovered key, the queue's deduplication key of the member.
 * ARGV: the queue's job key prefix (`<prefix>:<queue>:`). The job key it reads is not among KEYS (its name comes from
 * the deduplication key's value), as in BullMQ's own scripts: on a Redis Cluster the prefix's hash tag puts it in
 * the slot of the two keys.
 * Returns `[last recovered ("<ms> <id>" or ""), id of the queued or running recovery ("" when none)]`.
 *
 * A deduplication key whose job no longer exists is stale (BullMQ's add discards it too), so it counts as none.
 */
const QUEUED_RECOVERY_SCRIPT = `
local recovered = redis.call('GET', KEYS[1]) or ''
local holder = redis.call('GET', KEYS[2])
if not holder or redis.call('EXISTS', ARGV[1] .. holder) == 0 then holder = '' end
return {recovered, holder}
`;

/** The keys the script reads. */
interface QueuedRecoveryKeys {
  /** See `lastRecoveredKey`. */
  lastRecovered: string;
  /** BullMQ's deduplication key of the member: `<queue keys.de>:<deduplication id>`. */
  deduplication: string;
  /** BullMQ's job key prefix of the queue: `<prefix>:<queue>:`. */
  jobPrefix: string;
}

/** What the script found. */
interface QueuedRecovery {
  /** When the member was last recovered (ms since the epoch) and by which recovery, if it was. */
  lastRecovered?: { at: number; id: string };
  /** The id of the member's queued or running recovery, if any. */
  queuedId?: string;
}

const COMMAND = "etcdResponderQueuedRecovery";

type ScriptClient = RedisClient & {
  [COMMAND](lastRecovered: string, deduplication: string, jobPrefix: string): Promise<[string, string]>;
};

/** Defines the script on `client` (once) so that it is sent by its SHA, and returns a reader over it. */
function queuedRecoveryReader(client: RedisClient): (keys: QueuedRecoveryKeys) => Promise<QueuedRecovery> {
  client.defineCommand(COMMAND, { numberOfKeys: 2, lua: QUEUED_RECOVERY_SCRIPT });
  const scripted = client as ScriptClient;
  return async (keys) => {
    const [recovered, holder] = await scripted[COMMAND](keys.lastRecovered, keys.deduplication, keys.jobPrefix);
    const [at, id] = recovered.split(" ");
    return {
      ...(id && Number.isFinite(Number(at)) ? { lastRecovered: { at: Number(at), id } } : {}),
      ...(holder ? { queuedId: holder } : {}),
    };
  };
}
