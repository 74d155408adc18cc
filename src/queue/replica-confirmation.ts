import type { FailFastRedis } from "../core/redis.js";
import { ReplicationUnconfirmedError } from "../core/errors.js";

/**
 * Confirms that replicas hold everything the master held when a request was read or written: a small write
 * (`mark`, the key it writes) followed by `WAIT replicas waitMs` on the same connection. The write is later in
 * the master's replication stream than anything read before it, so once replicas have it they have all that.
 * On a Redis Cluster the marker is a key of the service's prefix, so the pipeline goes to the master of the
 * prefix's slot, which holds every key of the service, and `WAIT` counts that master's replicas.
 */
export interface ReplicaConfirmation {
  /**
   * Marks where the connection stood when the work to confirm began: how many times it had become ready, and on a
   * cluster which master served the prefix's slot.
   */
  begin(): ConfirmationStart;
  /**
   * Resolves once `replicas` replicas confirmed; else rejects with a ReplicationUnconfirmedError (also when the
   * connection changed since `began`, or on a cluster the prefix's slot moved to another master: the work may have
   * gone to a master that is gone) or a QueueUnavailableError.
   */
  confirm(began: ConfirmationStart): Promise<void>;
}

/** Where a connection stood when work to confirm began; compare with `===` only through `confirm`. */
export type ConfirmationStart = string;

/** Confirmation over `redis` that `replicas` replicas hold the requests; `mark` is the key written for it. */
export function replicaConfirmation(
  redis: FailFastRedis,
  mark: string,
  replicas: number,
  waitMs: number,
): ReplicaConfirmation {
  const position = (): ConfirmationStart => `${redis.connections()} ${redis.masterOf(mark) ?? ""}`;
  return {
    begin: position,
    confirm: async (began) => {
      const results = await redis.guard("confirm the replicas have the recovery request", async () => {
        const answers = await redis.client.pipeline().set(mark, String(Date.now())).wait(replicas, waitMs).exec();
        for (const [error] of answers ?? []) if (error) throw error;
        return answers;
      });
      if (position() !== began) throw new ReplicationUnconfirmedError(replicas, undefined, waitMs);
      const confirmed = Number(results?.[1]?.[1]);
      if (!(confirmed >= replicas)) throw new ReplicationUnconfirmedError(replicas, confirmed, waitMs);
    },
  };
}
