import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { killOnExit } from "./processes.js";

const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;
const OUTPUT_TAIL = 8000;

/** A server binary (Prometheus, Alertmanager) started for a test and answering on its ready URL. */
export interface ReadyServerProcess {
  child: ChildProcess;
  /** The tail of what it printed. */
  output(): string;
  /** SIGTERM (SIGKILL after a grace period), then removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `binary` in a process group of its own (a signal aimed at the test runner's group does not reach
 * it first) and resolves once `readyURL` answers 200; on failure it is stopped and `dir` removed.
 */
export async function startReadyServer(
  name: string,
  binary: string,
  args: string[],
  options: { dir: string; readyURL: string; readyTimeoutMs: number },
): Promise<ReadyServerProcess> {
  let output = "";
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  killOnExit(child);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await terminate(child, STOP_GRACE_MS);
      await rm(options.dir, { recursive: true, force: true });
    })());
  try {
    await waitForReady(name, options.readyURL, child, options.readyTimeoutMs, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, output: () => output, stop };
}

async function waitForReady(
  name: string,
  readyURL: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before ${readyURL} answered:\n${output()}`,
      );
    }
    try {
      const response = await fetch(readyURL, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline)
      throw new Error(`${name}: ${readyURL} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${output()}`);
    // A starting server announces nothing we can wait on from outside: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves once it has exited. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killer);
}
