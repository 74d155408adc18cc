/** Prefix of every Redis key of the service (queues, modes, failures), unless configured otherwise. */
export const DEFAULT_PREFIX = "etcd-responder";

/** Name of the BullMQ queue of one cluster; BullMQ forbids `:` and DNS labels have none. */
export function recoveryQueueName(namespace: string, cluster: string): string {
  return `recover.${namespace}.${cluster}`;
}

/** The deduplication id that keeps one queued or running recovery per member. */
export function deduplicationId(namespace: string, cluster: string, member: number): string {
  return `${namespace}/${cluster}/${member}`;
}

/** The key `waitingCounts` and filters use for a cluster. */
export function clusterKey(namespace: string, cluster: string): string {
  return `${namespace}/${cluster}`;
}

/** The BullMQ job name of every recovery. */
export const RECOVERY_JOB_NAME = "recover";

/**
 * Redis key holding when a member was last recovered (`<ms since epoch> <recovery id>`): an alert that
 * started before then describes the failure that recovery fixed.
 */
export function lastRecoveredKey(prefix: string, namespace: string, cluster: string, member: number): string {
  return `${prefix}:recovered:${deduplicationId(namespace, cluster, member)}`;
}
