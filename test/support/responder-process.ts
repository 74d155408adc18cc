import { spawn } from "node:child_process";
import { join } from "node:path";
import { killOnExit } from "./kill-on-exit.js";
import { repoRoot } from "./tools.js";

/** Which processes of the service to run: receiver and worker in one, the receiver only, or the worker only. */
export type ResponderMode = "all" | "serve" | "worker";

/** How to start the service from the sources. */
export interface StartResponderOptions {
  /** The configuration file (`--config`). */
  config: string;
  /** Redis of the queue (`REDIS_URL`). */
  redisURL: string;
  /** Bearer token the API requires (`AUTH_TOKEN`); without one the service runs with `--insecure-no-auth`. */
  token?: string;
  /** Which command to run; default `all`. */
  mode?: ResponderMode;
  /**
   * Further environment, e.g. `KUBECONFIG` for the worker, over this process's environment and the
   * defaults `HOST=127.0.0.1` (loopback only), `PORT=0`, `WORKER_PORT=0` (ephemeral ports), `LOG_LEVEL=info`.
   */
  env?: Record<string, string>;
  /** Node.js flags before the script, e.g. `--cpu-prof` to profile it; default none. */
  nodeArgs?: string[];
  /** Deadline for the `listening` log lines, ms; default 30 000. */
  readyTimeoutMs?: number;
}

/** A running service process. Call `stop()` in `afterAll`, also when a test failed. */
export interface ResponderProcess {
  /** The receiver's `http://127.0.0.1:<port>` (modes `all` and `serve`); the worker's in mode `worker`. */
  url: string;
  /** The worker's probe and metrics server, `http://127.0.0.1:<port>`, when it runs one. */
  workerURL?: string;
  pid: number;
  /** The last part of what it wrote, for failure messages. */
  output(): string;
  /** SIGTERM, wait for the exit (SIGKILL after 15 s); resolves with the exit code; safe to call twice. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** One `listening` log line. */
interface ListeningLine {
  /** Which server: the receiver's API or the worker's probes. */
  role: "receiver" | "worker";
  port: number;
}

const STOP_GRACE_MS = 15_000;
const OUTPUT_TAIL = 20_000;

/** The servers `mode` runs, each announced by a `listening` line. */
function expectedRoles(mode: ResponderMode): ListeningLine["role"][] {
  return mode === "all" ? ["receiver", "worker"] : mode === "serve" ? ["receiver"] : ["worker"];
}

/** Parses a JSON log line; undefined for anything else. */
function listeningLine(line: string): ListeningLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown; role?: unknown };
    if (entry.msg !== "listening" || typeof entry.port !== "number") return undefined;
    if (entry.role !== "receiver" && entry.role !== "worker") return undefined;
    return { role: entry.role, port: entry.port };
  } catch {
    return undefined;
  }
}

/**
 * Starts `etcd-responder MODE --config FILE` from the sources on ephemeral loopback ports and resolves
 * once each of its servers logged `listening` (`{"role":"receiver"|"worker","port":N,"msg":"listening"}`).
 */
export async function startResponder(options: StartResponderOptions): Promise<ResponderProcess> {
  const mode = options.mode ?? "all";
  const args = [...(options.nodeArgs ?? []), "--import", "tsx", join(repoRoot, "src/cli.ts"), mode, "--config", options.config];
  if (options.token === undefined) args.push("--insecure-no-auth");
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0", WORKER_PORT: "0", ...options.env, REDIS_URL: options.redisURL };
  if (options.token !== undefined) env.AUTH_TOKEN = options.token;
  else delete env.AUTH_TOKEN;
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env });
  killOnExit(child);
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const roles = expectedRoles(mode);
  const listening: ListeningLine[] = [];
  const allListening = () => roles.every((role) => listening.some((l) => l.role === role));
  let partial = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`etcd-responder ${mode} did not log "listening" within ${timeoutMs} ms:\n${output.slice(-4000)}`)),
      timeoutMs,
    );
    const onStdout = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-OUTPUT_TAIL);
      if (allListening()) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const found = listeningLine(line);
        if (found) listening.push(found);
      }
      if (allListening()) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onStdout);
    child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`etcd-responder ${mode} exited with ${code} before it was listening:\n${output.slice(-4000)}`));
    });
  });

  let stopped: Promise<number | null> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(killer);
      }
      return child.exitCode;
    })());

  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const urlOf = (role: ListeningLine["role"]) => {
    const line = listening.find((l) => l.role === role);
    return line ? `http://127.0.0.1:${line.port}` : undefined;
  };
  const workerURL = urlOf("worker");
  return {
    url: urlOf("receiver") ?? workerURL!,
    ...(workerURL ? { workerURL } : {}),
    pid: child.pid!,
    output: () => output,
    stop,
    exited,
  };
}
