import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

/** Path of the lock file of block `prefix` (`127.A.B`) in `directory`. */
export function blockLockPath(directory: string, prefix: string): string {
  return join(directory, `${prefix}.lock`);
}

/**
 * Claims block `prefix` for process `pid` with a lock file holding the owner's pid.
 * A lock whose owner no longer runs is stale and is taken over. Returns false when a running
 * process holds the lock (or is taking over the stale lock right now).
 */
export function acquireBlockLock(directory: string, prefix: string, pid = process.pid): boolean {
  mkdirSync(directory, { recursive: true });
  const path = blockLockPath(directory, prefix);
  if (createExclusive(path, pid)) return true;
  const owner = readOwner(path);
  // The lock went away between our attempt and the read: its owner released it, try once more.
  if (owner === undefined) return createExclusive(path, pid);
  if (isRunning(owner)) return false;

  // Several processes may find the same stale lock. The takeover file, named after the dead owner,
  // lets exactly one of them replace it; the others see a running owner next time.
  const takeover = `${path}.${owner}.takeover`;
  if (!createExclusive(takeover, pid)) return false;
  try {
    // Someone may have finished a takeover of this very lock before we created our takeover file.
    if (readOwner(path) !== owner) return false;
    unlinkSync(path);
    return createExclusive(path, pid);
  } finally {
    unlinkQuietly(takeover);
  }
}

/** Removes the lock of `prefix` when `pid` still owns it. */
export function releaseBlockLock(directory: string, prefix: string, pid = process.pid): void {
  const path = blockLockPath(directory, prefix);
  if (readOwner(path) === pid) unlinkQuietly(path);
}

/** The pid in a lock file; undefined when there is no such file or it holds no pid. */
function readOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this pid exists (EPERM: it does, it belongs to someone else). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Creates `path` holding `pid`, failing when it exists. Written aside and hard-linked into place,
 * so nobody ever reads a lock that exists but does not yet name its owner.
 */
function createExclusive(path: string, pid: number): boolean {
  const scratch = `${path}.${pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(scratch, `${pid}\n`, { flag: "wx" });
  try {
    linkSync(scratch, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkQuietly(scratch);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
