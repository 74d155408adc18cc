import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../support/tools.js";

/** The bearer token every test service is started with. */
export const TEST_TOKEN = "service-test-token-5b8e2c";

/** A service process (`serve`, `worker` or `all`) started from the sources, as the image runs it. */
export interface ServiceProcess {
  role: string;
  pid: number;
  /** The receiver's port (serve, all). */
  port?: number;
  /** The worker's probe port (worker, all). */
  workerPort?: number;
  /** `http://127.0.0.1:<port>` of the receiver. */
  url: string;
  /** Everything it printed so far (standard output and error). */
  output(): string;
  /** Its JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Resolves once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line `match` accepts; rejects after `timeoutMs` saying what it waited for. */
  waitForLog(what: string, match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. Safe to call twice. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** The configuration file. */
  config: string;
  /** Extra flags, e.g. `--insecure-no-auth`. */
  args?: string[];
  /** Environment on top of the test's: PORT and WORKER_PORT default to 0, HOST to 127.0.0.1, AUTH_TOKEN to TEST_TOKEN. */
  env?: Record<string, string | undefined>;
  /** Wait for `listening` (and, for workers, `recovery workers started`); default true. */
  waitUntilStarted?: boolean;
  /** Deadline of that wait; default 60 s (loading the sources takes long on a busy host). */
  startTimeoutMs?: number;
}

/** Every service process the tests started and that has not exited, killed when the test process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Runs `node --import tsx src/cli.ts ROLE --config FILE ...` and, by default, waits until it serves. */
export async function startServiceProcess(role: "serve" | "worker" | "all", options: ServiceProcessOptions): Promise<ServiceProcess> {
  installExitHook();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    WORKER_PORT: "0",
    HOST: "127.0.0.1",
    AUTH_TOKEN: TEST_TOKEN,
    LOG_LEVEL: "info",
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "src/cli.ts"), role, "--config", options.config, ...(options.args ?? [])], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    partial += chunk.toString();
    const complete = partial.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      if (!line.startsWith("{")) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );

  const waitForLog: ServiceProcess["waitForLog"] = (what, match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) return finish(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(() => reject(new Error(`${role} exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n${output.slice(-3000)}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${role} did not log ${what} within ${timeoutMs} ms:\n${output.slice(-3000)}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const service: ServiceProcess = {
    role,
    pid: child.pid ?? -1,
    url: "",
    output: () => output,
    logs: () => lines,
    exited,
    waitForLog,
    stop: (graceMs = 15_000) =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          const result = await exited;
          clearTimeout(killer);
          return result;
        }
        return exited;
      })()),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };

  if (options.waitUntilStarted === false) return service;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    if (role !== "worker") {
      const line = await waitForLog("listening (receiver)", (l) => l.msg === "listening" && l.role === "receiver", timeoutMs);
      service.port = Number(line.port);
      service.url = `http://127.0.0.1:${service.port}`;
    }
    if (role !== "serve") {
      const line = await waitForLog("listening (worker)", (l) => l.msg === "listening" && l.role === "worker", timeoutMs);
      service.workerPort = Number(line.port);
      await waitForLog("recovery workers started", (l) => l.msg === "recovery workers started", timeoutMs);
    }
  } catch (error) {
    await service.kill();
    throw error;
  }
  return service;
}

/** Whether a process with this pid still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}
