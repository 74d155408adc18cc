import { readdirSync, readFileSync } from "node:fs";

/**
 * Whether process group `pgid` still has a running member. Orphans of a dead sandbox are reaped by
 * whatever adopted them, which may be late or never (some container init processes do not reap), so
 * a group of zombies counts as gone where /proc shows it.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    // ESRCH: no such group; EPERM: the id now belongs to someone else's processes.
    return false;
  }
  return !onlyZombies(pgid);
}

function onlyZombies(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") return false;
  }
  return true;
}
