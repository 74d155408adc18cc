import type { ChildProcess } from "node:child_process";

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
