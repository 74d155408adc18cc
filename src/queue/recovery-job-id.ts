import { randomBytes } from "node:crypto";

/** What a recovery's id tells without asking Redis. */
export interface RecoveryJobIdParts {
  /** The cluster name (not the namespace). */
  cluster: string;
  /** The member index. */
  member: number;
  /** When the recovery was queued, ms since the epoch. */
  createdAt: number;
}

/**
 * A readable, unique recovery id: `<cluster>-<member>-<time base 36>-<6 hex>`, e.g. `orders-3-mf2k9x1a-4be01c`.
 * The time lets lists sort and filter by id alone; the random part keeps ids of the same millisecond apart.
 */
export function newRecoveryJobId(cluster: string, member: number, now: number = Date.now()): string {
  return `${cluster}-${member}-${now.toString(36)}-${randomBytes(3).toString("hex")}`;
}

const ID_PATTERN = /^(.+)-([1-9][0-9]*)-([0-9a-z]+)-([0-9a-f]{6})$/;

/** The parts of an id made by `newRecoveryJobId`; undefined for anything else. Parsed from the right, as cluster names hold `-`. */
export function parseRecoveryJobId(id: string): RecoveryJobIdParts | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, cluster = "", member = "", time = ""] = match;
  const createdAt = parseInt(time, 36);
  if (!Number.isSafeInteger(createdAt)) return undefined;
  return { cluster, member: Number(member), createdAt };
}
