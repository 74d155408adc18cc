import type { FailFastRedis } from "../core/redis.js";
import { ReplicationUnconfirmedError } from "../core/errors.js";

/**
 * Confirms that replicas hold everything the master held when a request was read or written: a small write
 * (`mark`, the key it writes) followed by `WAIT replicas waitMs` on the same connection. The write is later in
 * the master's replication stream than anything read before it, so once replicas have it they have all that.
 */
export interface ReplicaConfirmation {
  /** Marks where `connections()` of the connection stood when the work to confirm began. */
  begin(): number;
  /**
   * Resolves once `replicas` replicas confirmed; else rejects with a ReplicationUnconfirmedError (also when the
   * connection changed since `began`: the work may have gone to a master that is gone) or a QueueUnavailableError.
   */
  confirm(began: number): Promise<void>;
}

/** Confirmation over `redis` that `replicas` replicas hold the requests; `mark` is the key written for it. */
export function replicaConfirmation(
  redis: FailFastRedis,
  mark: string,
  replicas: number,
  waitMs: number,
): ReplicaConfirmation {
  return {
    begin: () => redis.connections(),
    confirm: async (began) => {
      const results = await redis.guard("confirm the replicas have the recovery request", async () => {
        const answers = await redis.client.pipeline().set(mark, String(Date.now())).wait(replicas, waitMs).exec();
        for (const [error] of answers ?? []) if (error) throw error;
        return answers;
      });
      if (redis.connections() !== began) throw new ReplicationUnconfirmedError(replicas, undefined, waitMs);
      const confirmed = Number(results?.[1]?.[1]);
      if (!(confirmed >= replicas)) throw new ReplicationUnconfirmedError(replicas, confirmed, waitMs);
    },
  };
}
