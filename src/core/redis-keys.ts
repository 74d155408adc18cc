/**
 * The key prefix of the service's Redis keys (`QUEUE_PREFIX`) and what Redis Cluster makes of it: the hash tag
 * that puts every key of the prefix in one hash slot, and that slot.
 */

/** Prefix of every Redis key of the service (queues, modes, failures), unless `QUEUE_PREFIX` says otherwise. */
export const DEFAULT_PREFIX = "etcd-responder";

/** The longest prefix taken; a key carries it on every command. */
export const MAX_PREFIX_LENGTH = 100;

/** The number of hash slots of a Redis Cluster. */
export const HASH_SLOTS = 16384;

/**
 * The hash tag of `key` as Redis Cluster defines it: the text between the first `{` and the first `}` after it,
 * when that text is not empty; undefined when the key has none (then the whole key is hashed).
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf("{");
  if (open < 0) return undefined;
  const close = key.indexOf("}", open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** The hash slot of `key` in a Redis Cluster (CRC16 of its hash tag, else of the key, mod 16384): `CLUSTER KEYSLOT`. */
export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTagOf(key) ?? key, "utf8")) % HASH_SLOTS;
}

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * What is wrong with `prefix` as the key prefix, or undefined when it can be used. Letters, digits and `. _ - { }`
 * only: no white space, and no `:`, which separates the prefix from BullMQ's queue name in its keys (BullMQ
 * forbids it in queue names for the same reason). `{` and `}` only as one hash tag, `{...}` with something in it. On
 * a Redis Cluster (`cluster`) the prefix must have that hash tag, so that every key of the service is in one slot.
 */
export function queuePrefixProblem(prefix: string, cluster: boolean): string | undefined {
  if (prefix.length > MAX_PREFIX_LENGTH) return `is longer than ${MAX_PREFIX_LENGTH} characters`;
  if (!/^[A-Za-z0-9._{}-]+$/.test(prefix)) {
    return "may hold only letters, digits and . _ - { } (no white space, no `:`)";
  }
  const braces = prefix.replace(/[^{}]/g, "");
  if (braces !== "" && (braces !== "{}" || hashTagOf(prefix) === undefined)) {
    return "may hold { and } only as one hash tag with something in it, e.g. {etcd-responder}";
  }
  if (cluster && hashTagOf(prefix) === undefined) {
    return (
      "needs a hash tag on a Redis Cluster, e.g. {etcd-responder}, so that every key of the service is in one hash " +
      "slot"
    );
  }
  return undefined;
}
