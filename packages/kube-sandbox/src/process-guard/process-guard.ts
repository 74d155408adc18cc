import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "../logger.js";
import { ProcessGuardError } from "./process-guard-error.js";
import { isNetworkId } from "../node/network-names.js";
import { isGroupId, networkLine, trackLine, type WatchdogConfig } from "./watchdog-protocol.js";

/** Something that keeps a list of process groups to stop if the sandbox dies. */
export interface ProcessTracker {
  /** Watch group `pgid` (a child spawned with `detached: true` leads the group of its own pid). */
  track(pgid: number): void;
  /** Stop watching group `pgid`, e.g. once it has been stopped and reaped. */
  untrack(pgid: number): void;
}

/** How `ProcessGuard.start` sets up the watchdog. */
export interface ProcessGuardOptions {
  /** Paths removed (recursively) when the watchdog finishes, after the tracked groups are gone. Default none. */
  cleanupPaths?: string[];
  /** Milliseconds tracked groups get between SIGTERM and SIGKILL. Default 2000. */
  killGraceMs?: number;
  /** Milliseconds `close` waits for the watchdog to finish. Default 10000. */
  closeTimeoutMs?: number;
  /** Told when the watchdog ends before `close`, i.e. while nothing guards the sandbox any more. */
  logger?: Logger;
}

/**
 * Stops every process group the sandbox started when the sandbox process dies, even by SIGKILL.
 * A detached watchdog process holds the read end of a pipe from this process; the kernel closes the
 * write end however this process ends, and the watchdog then stops the tracked groups.
 */
export class ProcessGuard implements ProcessTracker {
  private closing: Promise<void> | undefined;
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly watchdog: ChildProcess,
    private readonly closeTimeoutMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.exit = new Promise((done) =>
      watchdog.once("exit", (code, signal) => {
        this.exited = true;
        if (!this.closing) this.logger?.warn({ pid: watchdog.pid, code, signal }, "process guard watchdog ended early");
        done();
      }),
    );
    // Writing to a watchdog that is gone fails with EPIPE; the exit handler has said so already.
    watchdog.stdin?.on("error", () => {});
  }

  /** Starts the watchdog; resolves once its process runs. */
  static async start(options: ProcessGuardOptions = {}): Promise<ProcessGuard> {
    const config: WatchdogConfig = {
      cleanupPaths: (options.cleanupPaths ?? []).map((p) => resolve(p)),
      killGraceMs: options.killGraceMs ?? 2_000,
    };
    const watchdog = spawn(process.execPath, [...watchdogCommand(), JSON.stringify(config)], {
      // Its own process group: a Ctrl-C or group-wide SIGTERM for the sandbox must not reach it.
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    await new Promise<void>((started, failed) => {
      watchdog.once("spawn", started);
      watchdog.once("error", (err) =>
        failed(new ProcessGuardError(`cannot start the process guard watchdog: ${err.message}`)),
      );
    });
    // The watchdog must never keep the sandbox process alive.
    watchdog.unref();
    (watchdog.stdin as { unref?: () => void } | null)?.unref?.();
    return new ProcessGuard(watchdog, options.closeTimeoutMs ?? 10_000, options.logger);
  }

  /** Process id of the watchdog. */
  get pid(): number {
    return this.watchdog.pid ?? 0;
  }

  track(pgid: number): void {
    this.send(pgid, true);
  }

  untrack(pgid: number): void {
    this.send(pgid, false);
  }

  /**
   * Tear down Pod network `id` (a `PodNetwork`'s id) if the sandbox dies: after the tracked groups are
   * stopped, the watchdog removes its namespaces and interfaces, and kills what still runs in them.
   */
  trackNetwork(id: string): void {
    this.sendNetwork(id, true);
  }

  /** Stop watching Pod network `id`, e.g. once it was closed. */
  untrackNetwork(id: string): void {
    this.sendNetwork(id, false);
  }

  /**
   * Normal shutdown, once the sandbox has stopped its processes itself: the watchdog stops any group
   * still tracked, removes the cleanup paths and exits; resolves when it has.
   * Throws `ProcessGuardError` when it has not finished within `closeTimeoutMs`.
   */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    // Waiting for the watchdog must keep this process alive until it is done.
    this.watchdog.ref();
    this.watchdog.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, failed) => {
      timer = setTimeout(
        () =>
          failed(
            new ProcessGuardError(`process guard watchdog ${this.pid} did not finish within ${this.closeTimeoutMs} ms`),
          ),
        this.closeTimeoutMs,
      );
    });
    try {
      await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private sendNetwork(id: string, tracked: boolean): void {
    if (!isNetworkId(id)) throw new ProcessGuardError(`not a Pod network id: ${JSON.stringify(id)}`);
    if (this.closing) throw new ProcessGuardError("the process guard is closed");
    if (this.exited) return;
    this.watchdog.stdin?.write(networkLine(id, tracked));
  }

  private send(pgid: number, tracked: boolean): void {
    if (!isGroupId(pgid)) throw new ProcessGuardError(`not a process group id that may be signalled: ${pgid}`);
    if (this.closing) throw new ProcessGuardError("the process guard is closed");
    if (this.exited) return;
    this.watchdog.stdin?.write(trackLine(pgid, tracked));
  }
}

/** Node arguments that run the watchdog next to this file: compiled JavaScript as is, TypeScript through tsx. */
function watchdogCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(".ts")) return [fileURLToPath(new URL("./watchdog.js", import.meta.url))];
  // Resolved from here, so the watchdog starts whatever the working directory is.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx, fileURLToPath(new URL("./watchdog.ts", import.meta.url))];
}
