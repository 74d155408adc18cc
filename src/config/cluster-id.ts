const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Reads a pinned etcd cluster ID as etcd prints it, in hex (`etcdctl -w table`, with or without `0x`)
 * or decimal (`-w json`), and returns it as the uint64 decimal string the etcd API uses.
 * Digits only are read as decimal; write a hex ID that has no letters with `0x`. Undefined when invalid.
 */
export function normalizeClusterId(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase();
  let value: bigint;
  if (/^0x[0-9a-f]{1,16}$/.test(trimmed)) value = BigInt(trimmed);
  else if (/^[0-9]{1,20}$/.test(trimmed)) value = BigInt(trimmed);
  else if (/^[0-9a-f]{1,16}$/.test(trimmed)) value = BigInt(`0x${trimmed}`);
  else return undefined;
  return value > 0n && value <= MAX_UINT64 ? value.toString(10) : undefined;
}
