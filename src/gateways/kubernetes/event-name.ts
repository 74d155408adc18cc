/**
 * Name of a core/v1 Event, as client-go's recorder makes it: `<object name>.<nanoseconds in hex>`.
 * Two Events on one object need different names, hence the nanosecond part.
 */
export function eventName(objectName: string, nanos: bigint): string {
  return `${objectName}.${nanos.toString(16)}`;
}

/**
 * Nanoseconds since the epoch: the wall clock's milliseconds, with the sub-millisecond part taken from the
 * monotonic clock so that Events recorded within one millisecond still get different names.
 */
export function epochNanos(nowMs: number = Date.now(), monotonicNanos: bigint = process.hrtime.bigint()): bigint {
  return BigInt(Math.trunc(nowMs)) * 1_000_000n + (monotonicNanos % 1_000_000n);
}
