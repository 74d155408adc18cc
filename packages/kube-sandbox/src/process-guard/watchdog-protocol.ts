/** What the watchdog is told on its command line. */
export interface WatchdogConfig {
  /** Absolute paths removed, recursively, once the tracked groups are gone. */
  cleanupPaths: string[];
  /** Milliseconds between SIGTERM and SIGKILL for groups still alive. */
  killGraceMs: number;
}

/**
 * Whether a number may be signalled as a process group: kill(-1) would reach every process of the
 * user and kill(-0) the caller's own group, so only ids above 1 are accepted.
 */
export function isGroupId(pgid: number): boolean {
  return Number.isSafeInteger(pgid) && pgid > 1;
}

/** The line that tells the watchdog to start or stop watching a group: `+123` or `-123`. */
export function trackLine(pgid: number, tracked: boolean): string {
  return `${tracked ? "+" : "-"}${pgid}\n`;
}

/** Reads one line of the protocol; undefined for anything else. */
export function parseTrackLine(line: string): { pgid: number; tracked: boolean } | undefined {
  const match = /^([+-])(\d+)$/.exec(line.trim());
  if (!match) return undefined;
  const pgid = Number(match[2]);
  return isGroupId(pgid) ? { pgid, tracked: match[1] === "+" } : undefined;
}

/** The line that makes the watchdog tear down Pod network `id` at its end (`+net ID`), or forget it (`-net ID`). */
export function networkLine(id: string, tracked: boolean): string {
  return `${tracked ? "+" : "-"}net ${id}\n`;
}

/** Reads a network line (its id is 6 hex digits, see `newNetworkId`); undefined for anything else. */
export function parseNetworkLine(line: string): { id: string; tracked: boolean } | undefined {
  const match = /^([+-])net ([0-9a-f]{6})$/.exec(line.trim());
  return match ? { id: match[2]!, tracked: match[1] === "+" } : undefined;
}
