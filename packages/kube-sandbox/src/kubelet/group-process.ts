import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Readable } from "node:stream";
import type { ProcessCommand } from "./container-command.js";
import type { LogStream } from "./container-log.js";
import { withDeadline } from "./deadline.js";
import { ContainerStartError } from "./errors.js";
import type { ProcessTracker } from "./process-tracker.js";

/** How a process group's leader ended. */
export interface ProcessExit {
  /** The exit code, or 128 + the signal number when a signal ended it (as container runtimes report). */
  exitCode: number;
  signal: NodeJS.Signals | null;
  finishedAt: Date;
}

export interface GroupProcessOptions {
  command: ProcessCommand;
  /** The whole environment of the process; nothing else is inherited. */
  env: Record<string, string>;
  cwd: string;
  /** Receives every chunk of output. */
  onOutput: (stream: LogStream, chunk: Buffer) => void;
  /** Piped to the process's standard input; without it the process reads end-of-file. */
  stdin?: Readable;
  tracker?: ProcessTracker;
}

/** How long output may keep flowing after the leader exited (a daemonised child may hold the pipes). */
const DRAIN_MS = 2000;
/** How long a SIGKILLed group may take to be reported gone before that wait is given up as failed. */
const KILL_DEADLINE_MS = 5000;

/**
 * A process started in its own process group, the way the kubelet runs a container: signals go to the
 * whole group, and when the leader exits the rest of the group is killed, as a container's processes
 * end with it.
 */
export class GroupProcess {
  /** The leader's pid, which is also the group id. */
  readonly pid: number;
  readonly startedAt = new Date();
  /** Resolves once the process has started; rejects with `ContainerStartError` when it could not. */
  readonly started: Promise<void>;
  /** Resolves when the leader has exited and its output has been read. */
  readonly exited: Promise<ProcessExit>;
  private hasExited = false;
  private readonly child: ChildProcess;

  constructor(options: GroupProcessOptions) {
    const { command, env, cwd, onOutput, stdin, tracker } = options;
    this.child = spawn(command.file, command.args, {
      argv0: command.argv0,
      cwd,
      env,
      detached: true,
      stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    const child = this.child;
    this.pid = child.pid ?? -1;
    child.stdout?.on("data", (chunk: Buffer) => onOutput("stdout", chunk));
    child.stderr?.on("data", (chunk: Buffer) => onOutput("stderr", chunk));
    if (stdin && child.stdin) {
      // The process may exit before its input ends; a broken pipe then is expected.
      child.stdin.on("error", () => {});
      stdin.pipe(child.stdin);
    }
    this.started = new Promise<void>((resolve, reject) => {
      child.once("spawn", () => {
        if (this.pid > 0) tracker?.track(this.pid);
        resolve();
      });
      child.once("error", (error) =>
        reject(new ContainerStartError(`failed to start ${command.file}: ${error.message}`)),
      );
    });
    // An unobserved start failure must not become an unhandled rejection.
    this.started.catch(() => {});
    this.exited = new Promise<ProcessExit>((resolve) => {
      const settleStartFailure = () => resolve({ exitCode: 128, signal: null, finishedAt: new Date() });
      this.started.catch(settleStartFailure);
      child.once("exit", (code, signal) => {
        this.hasExited = true;
        const finishedAt = new Date();
        // What the leader left behind dies with it.
        signalGroup(this.pid, "SIGKILL");
        if (stdin && child.stdin) stdin.unpipe(child.stdin);
        const finish = () => {
          clearTimeout(drainTimer);
          child.stdout?.destroy();
          child.stderr?.destroy();
          tracker?.untrack(this.pid);
          resolve({ exitCode: code ?? 128 + signalNumber(signal), signal, finishedAt });
        };
        const drainTimer = setTimeout(finish, DRAIN_MS);
        child.once("close", finish);
      });
    });
  }

  /** Whether the leader has exited. */
  get exitedAlready(): boolean {
    return this.hasExited;
  }

  /** Sends `signal` to the whole group (nothing when it already exited). */
  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) signalGroup(this.pid, signal);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the leader exited. */
  async terminate(graceMs: number): Promise<ProcessExit> {
    this.signal(graceMs <= 0 ? "SIGKILL" : "SIGTERM");
    const killTimer = graceMs > 0 ? setTimeout(() => this.signal("SIGKILL"), graceMs) : undefined;
    try {
      return await withDeadline(
        this.exited,
        Math.max(graceMs, 0) + KILL_DEADLINE_MS,
        `process group ${this.pid} to exit`,
      );
    } finally {
      clearTimeout(killTimer);
    }
  }
}

/** Signals a process group; a group that is already gone is not an error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!(pgid > 0)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
