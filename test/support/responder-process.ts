import { spawn } from "node:child_process";
import { join } from "node:path";
import { captureChildOutput, type LogLine } from "./child-output.js";
import { killOnExit } from "./processes.js";
import { repoRoot } from "./tools.js";

/** The bearer token the service requires when the options name no other. */
export const TEST_TOKEN = "service-test-token-5b8e2c";

/** Which processes of the service to run: receiver and worker in one, the receiver only, or the worker only. */
export type ResponderMode = "all" | "serve" | "worker";

/** How a service process ended: its exit code, or the signal that ended it. */
export interface ResponderExit {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  /** The signal that ended it; null when it exited by itself. */
  signal: NodeJS.Signals | null;
}

/** How to start the service from the sources. */
export interface StartResponderOptions {
  /** The configuration file (`--config`). */
  config: string;
  /** Redis of the queue (`REDIS_URL`); none for a service given its Redis otherwise, e.g. by `REDIS_SENTINELS`. */
  redisURL?: string;
  /** Which command to run; default `all`. */
  mode?: ResponderMode;
  /**
   * Bearer token the API requires (`AUTH_TOKEN`); default TEST_TOKEN. For a service without one, remove
   * it with `env: { AUTH_TOKEN: undefined }` and, for it to start, pass `args: ["--insecure-no-auth"]`.
   */
  token?: string;
  /** Flags after `--config FILE`, e.g. `--insecure-no-auth`; default none. */
  args?: string[];
  /** Node.js flags before the script, e.g. `--cpu-prof` to profile it; default none. */
  nodeArgs?: string[];
  /** Run the build (`dist/cli.js`, as the image does; `npm run build` first) instead of the sources. */
  compiled?: boolean;
  /**
   * Environment over this process's environment and the defaults `HOST=127.0.0.1` (loopback only),
   * `PORT=0`, `WORKER_PORT=0` (ephemeral ports), `LOG_LEVEL=info`, `AUTH_TOKEN` and `REDIS_URL`, e.g.
   * `KUBECONFIG` for the worker. A variable given as undefined is removed.
   */
  env?: Record<string, string | undefined>;
  /**
   * Wait until it serves: `listening` of the receiver (modes `all`, `serve`), `listening` of the worker and
   * `recovery workers started` (modes `all`, `worker`). Default true; false resolves at once, for a
   * process that is to refuse to start or to start without Redis.
   */
  waitUntilStarted?: boolean;
  /** Deadline of each of those waits, ms; default 60 000 (loading the sources takes long on a busy host). */
  startTimeoutMs?: number;
}

/** A running service process. Call `stop()` in `afterAll`, also when a test failed. */
export interface ResponderProcess {
  /** Its process id, for checking that it is gone. */
  pid: number;
  /** The receiver's port (modes `all`, `serve`), once it was waited for. */
  port?: number;
  /** The worker's probe and metrics port (modes `all`, `worker`), once it was waited for. */
  workerPort?: number;
  /** The receiver's `http://127.0.0.1:<port>`; empty in mode `worker` and when not waited for. */
  url: string;
  /** Everything it printed so far (standard output and error). */
  output(): string;
  /** Its JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves once the process has exited. */
  exited: Promise<ResponderExit>;
  /**
   * Resolves with the first log line `match` accepts; rejects after `timeoutMs` (default 30 000) or an
   * exit, saying what it waited for.
   */
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 15 000); resolves with how it exited. Safe to call twice. */
  stop(graceMs?: number): Promise<ResponderExit>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Runs `etcd-responder MODE --config FILE` from the sources (`node --import tsx src/cli.ts`, as the image
 * runs the built CLI) on ephemeral loopback ports and, by default, resolves once it serves.
 */
export async function startResponder(options: StartResponderOptions): Promise<ResponderProcess> {
  const mode = options.mode ?? "all";
  const args = [
    ...(options.nodeArgs ?? []),
    ...(options.compiled ? [join(repoRoot, "dist/cli.js")] : ["--import", "tsx", join(repoRoot, "src/cli.ts")]),
    mode,
    "--config",
    options.config,
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: responderEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  const output = captureChildOutput(child, `etcd-responder ${mode}`);
  const exited = new Promise<ResponderExit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;

  let stopping: Promise<ResponderExit> | undefined;
  const responder: ResponderProcess = {
    pid: child.pid ?? -1,
    url: "",
    output: () => output.text(),
    logs: () => output.lines(),
    exited,
    waitForLog: (what, match, timeoutMs) => output.waitForLine(what, match, timeoutMs),
    stop: (graceMs = 15_000) =>
      (stopping ??= (async () => {
        if (!running()) return exited;
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const result = await exited;
        clearTimeout(killer);
        return result;
      })()),
    kill: async () => {
      if (running()) child.kill("SIGKILL");
      await exited;
    },
  };

  if (options.waitUntilStarted === false) return responder;
  try {
    await waitUntilServing(responder, mode, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await responder.kill();
    throw error;
  }
  return responder;
}

/**
 * This process's environment with the service's defaults, the options' Redis and token, and `options.env`
 * over them.
 */
function responderEnv(options: StartResponderOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    WORKER_PORT: "0",
    LOG_LEVEL: "info",
    AUTH_TOKEN: options.token ?? TEST_TOKEN,
    ...(options.redisURL === undefined ? {} : { REDIS_URL: options.redisURL }),
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Waits for the log lines that say `mode`'s servers listen and its workers run, and notes the ports they name. */
async function waitUntilServing(responder: ResponderProcess, mode: ResponderMode, timeoutMs: number): Promise<void> {
  const listening = (role: "receiver" | "worker") =>
    responder.waitForLog(`listening (${role})`, (line) => line.msg === "listening" && line.role === role, timeoutMs);
  if (mode !== "worker") {
    responder.port = Number((await listening("receiver")).port);
    responder.url = `http://127.0.0.1:${responder.port}`;
  }
  if (mode !== "serve") {
    responder.workerPort = Number((await listening("worker")).port);
    await responder.waitForLog(
      "recovery workers started",
      (line) => line.msg === "recovery workers started",
      timeoutMs,
    );
  }
}
