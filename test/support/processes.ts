import type { ChildProcess } from "node:child_process";

/** Whether a process with this pid still exists; one that exited and was not yet reaped (a zombie) counts. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
let hookInstalled = false;

/**
 * Kills `child` with SIGKILL if the test process exits while it still runs: the last guard when a test
 * dies before its afterAll could stop what it started.
 */
export function killOnExit(child: ChildProcess): void {
  if (!hookInstalled) {
    hookInstalled = true;
    process.once("exit", () => {
      for (const process of live) {
        try {
          process.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }
    });
  }
  live.add(child);
  child.once("exit", () => live.delete(child));
}
