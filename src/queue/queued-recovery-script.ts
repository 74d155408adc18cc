import type { Redis } from "ioredis";

/**
 * What stands in the way of a new recovery of a member, read in one round trip before BullMQ is asked to
 * add one: under an alert storm nearly every request stops here.
 *
 * KEYS: the member's last-recovered key, the queue's deduplication key of the member.
 * ARGV: the queue's job key prefix (`<prefix>:<queue>:`).
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
export interface QueuedRecoveryKeys {
  /** See `lastRecoveredKey`. */
  lastRecovered: string;
  /** BullMQ's deduplication key of the member: `<queue keys.de>:<deduplication id>`. */
  deduplication: string;
  /** BullMQ's job key prefix of the queue: `<prefix>:<queue>:`. */
  jobPrefix: string;
}

/** What the script found. */
export interface QueuedRecovery {
  /** When the member was last recovered (ms since the epoch) and by which recovery, if it was. */
  lastRecovered?: { at: number; id: string };
  /** The id of the member's queued or running recovery, if any. */
  queuedId?: string;
}

const COMMAND = "etcdResponderQueuedRecovery";

type ScriptClient = Redis & {
  [COMMAND](lastRecovered: string, deduplication: string, jobPrefix: string): Promise<[string, string]>;
};

/** Defines the script on `client` (once) so that it is sent by its SHA, and returns a reader over it. */
export function queuedRecoveryReader(client: Redis): (keys: QueuedRecoveryKeys) => Promise<QueuedRecovery> {
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
