import { spawn, type ChildProcess } from "node:child_process";
import type { ProcessTracker } from "../sandbox/process-guard/process-guard.js";

/** A process the demo started and must stop. */
export interface ChildService {
  name: string;
  child: ChildProcess;
  /** What it printed last, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a command in a process group of its own, whose output is kept (not shown) and that is stopped by
 * pid. `tracker` (the sandbox's process guard) kills the group if the demo itself dies.
 */
export function startChildService(
  name: string,
  command: string,
  args: string[],
  tracker: ProcessTracker,
  env: NodeJS.ProcessEnv = process.env,
): ChildService {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env, detached: true });
  if (child.pid) {
    const pid = child.pid;
    tracker.track(pid);
    child.once("exit", () => tracker.untrack(pid));
  }
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  return {
    name,
    child,
    output: () => output,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** Resolves once `probe` resolves true; rejects naming `what` (and the service's last output) after `timeoutMs`. */
export async function waitForService(
  service: ChildService,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited before ${what}:\n${service.output()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${service.output()}`);
    // A process coming up announces nothing we can wait on from outside: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
