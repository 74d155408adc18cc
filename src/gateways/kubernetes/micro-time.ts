import { V1MicroTime } from "@kubernetes/client-node";

/**
 * A Lease time as the API server parses it: `2006-01-02T15:04:05.000000Z07:00`, six fraction digits.
 * client-node sends a plain Date with three (`.123Z`), which a real API server refuses for MicroTime fields;
 * V1MicroTime serializes with six.
 */
export function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/**
 * Milliseconds since the epoch of a time field as client-node hands it over: a Date for Time fields, but the
 * raw string for MicroTime fields (its deserializer does not know that type). Undefined when absent or unreadable.
 */
export function timeMillis(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
