import { spawn } from "node:child_process";
import type { ObjectStore } from "../../src/api/object-store.js";
import { StatusError } from "../../src/api/status-error.js";
import type { ExecStreams, PodLogOptions, PodRuntime } from "../../src/pod-runtime.js";

/**
 * A PodRuntime for API tests: exec runs the command as a real local process, logs are fixed text
 * that says which options reached it.
 */
export class ProcessPodRuntime implements PodRuntime {
  /** Pids of every process started, so a test can check none is left. */
  readonly pids: number[] = [];

  constructor(private readonly store: ObjectStore) {}

  readLog(namespace: string, pod: string, options: PodLogOptions): string {
    this.store.require("pods", namespace, pod);
    const lines = options.previous
      ? ["previous run line 1", "previous run line 2"]
      : ["current line 1", "current line 2", "current line 3"];
    const picked = options.tailLines !== undefined ? lines.slice(-options.tailLines) : lines;
    return `${picked.map((l) => `${options.container ?? "main"}: ${l}`).join("\n")}\n`;
  }

  exec(
    namespace: string,
    pod: string,
    _container: string | undefined,
    command: string[],
    streams: ExecStreams,
  ): Promise<number> {
    if (!this.store.get("pods", namespace, pod)) throw StatusError.notFound("pods", "", pod);
    return new Promise((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
      if (child.pid) this.pids.push(child.pid);
      child.on("error", reject);
      if (streams.stdin) streams.stdin.pipe(child.stdin);
      else child.stdin.end();
      child.stdin.on("error", () => undefined);
      if (streams.stdout) child.stdout.pipe(streams.stdout, { end: false });
      else child.stdout.resume();
      if (streams.stderr) child.stderr.pipe(streams.stderr, { end: false });
      else child.stderr.resume();
      child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  }
}
