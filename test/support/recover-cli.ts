import { spawn } from "node:child_process";
import { join } from "node:path";
import type { SandboxProcess } from "./sandbox-process.js";
import { killOnExit } from "./processes.js";
import { repoRoot } from "./tools.js";

export interface RecoverRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON log lines written to standard error. */
  logs: Record<string, unknown>[];
}

export interface RecoverOptions {
  /** Configuration file; default the sandbox's own `responder.yaml`. */
  config?: string;
  dryRun?: boolean;
  /** Kubeconfig to run as; default the sandbox's admin kubeconfig. */
  kubeconfig?: string;
  /** Sends SIGKILL as soon as standard output contains this text (an interrupted recovery). */
  killWhenOutputHas?: string;
  /**
   * Sends SIGKILL as soon as the log says this step has ended (its log line with `step` and `durationMs`), before
   * the next step begins: a recovery interrupted at that step boundary.
   */
  killAfterStep?: string;
  /** Runs the build (`dist/cli.js`; `npm run build` first) instead of the sources, which start faster. */
  compiled?: boolean;
  /**
   * Starts `then` once standard output first contains `text`, e.g. a fault turned on at a step; the run resolves
   * only after `then` has, and rejects with its failure.
   */
  whenOutputHas?: { text: string; then: () => Promise<unknown> };
  timeoutMs?: number;
}

/** Runs `etcd-responder recover` from the sources against a sandbox, as a person would. */
export function runRecover(
  sandbox: SandboxProcess,
  cluster: string,
  member: number,
  options: RecoverOptions = {},
): Promise<RecoverRun> {
  const args = options.compiled
    ? [join(repoRoot, "dist/cli.js"), "recover"]
    : ["--import", "tsx", join(repoRoot, "src/cli.ts"), "recover"];
  args.push(
    "--config",
    options.config ?? join(sandbox.dir, "responder.yaml"),
    "--cluster",
    cluster,
    "--member",
    String(member),
  );
  if (options.dryRun) args.push("--dry-run");
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KUBECONFIG: options.kubeconfig ?? sandbox.info.kubeconfig, LOG_LEVEL: "info" },
  });
  killOnExit(child);
  let stdout = "";
  let stderr = "";
  let reaction: Promise<unknown> | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.killWhenOutputHas && stdout.includes(options.killWhenOutputHas)) child.kill("SIGKILL");
    const when = options.whenOutputHas;
    if (when && !reaction && stdout.includes(when.text)) {
      reaction = when.then();
      // Awaited once the run has ended; until then a failure must not count as unhandled.
      reaction.catch(() => undefined);
    }
  });
  const stepEnd = options.killAfterStep === undefined ? undefined : stepEndedPattern(options.killAfterStep);
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stepEnd?.test(stderr)) child.kill("SIGKILL");
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `recover ${cluster} ${member} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr.slice(-3000)}`,
        ),
      );
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const logs = stderr
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      Promise.resolve(reaction).then(() => resolve({ code, stdout, stderr, logs }), reject);
    });
  });
}

/** Matches the log line of `step` ending: `"step":"NAME"` followed by `"durationMs"` on the same line. */
function stepEndedPattern(step: string): RegExp {
  return new RegExp(`^\\{.*"step":"${step}".*"durationMs":`, "m");
}

/** The first and last moment a recovery held its cluster's Lease, from its step log lines. */
export function lockWindow(run: RecoverRun): { from: number; to: number } {
  const steps = run.logs.filter((l) => typeof l.step === "string" && typeof l.durationMs === "number");
  const lock = steps.find((l) => l.step === "lock");
  const last = steps.at(-1);
  if (!lock || !last) throw new Error(`no step log lines in:\n${run.stderr.slice(-2000)}`);
  return { from: Date.parse(String(lock.time)), to: Date.parse(String(last.time)) };
}
