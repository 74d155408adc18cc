import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startBareEtcdCluster } from "./bare-etcd-cluster.js";
import { repoRoot, RUN_TYPESCRIPT } from "../test/support/tools.js";
import { ms, summarize, summaryRow, type Summary } from "./stats.js";

const MEMBERS = 5;
const RUNS = 5;

/**
 * Time from the etcd sandbox (`npm run sandbox`) being started to its `sandbox ready` line, then SIGTERM and
 * wait for exit.
 */
async function sandboxReadyOnce(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bench-sandbox-"));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...RUN_TYPESCRIPT, join(repoRoot, "scripts/sandbox.ts"), "--dir", dir, "--members", String(MEMBERS)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    return await new Promise<number>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error("sandbox not ready within 60 s")), 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("sandbox ready")) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      void exited.then(() => reject(new Error(`sandbox exited early:\n${output.slice(-2000)}`)));
    });
  } finally {
    child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

/** The floor: the same number of bare etcd processes started directly until every one reports a leader. */
async function bareEtcdOnce(): Promise<number> {
  const started = performance.now();
  const cluster = await startBareEtcdCluster(MEMBERS);
  const elapsed = performance.now() - started;
  await cluster.stop();
  return elapsed;
}

export interface SandboxStartupResult {
  sandbox: Summary;
  bareEtcd: Summary;
}

export async function benchSandboxStartup(): Promise<SandboxStartupResult> {
  const sandbox: number[] = [];
  const bare: number[] = [];
  // Interleaved, so that both see the same machine load.
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareEtcdOnce());
    sandbox.push(await sandboxReadyOnce());
  }
  return { sandbox: summarize(sandbox), bareEtcd: summarize(bare) };
}

export function renderSandboxStartup(result: SandboxStartupResult): string {
  const { sandbox, bareEtcd } = result;
  return [
    `### Sandbox start-up (${MEMBERS} members, ${sandbox.runs} runs each, interleaved)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(
      "`npm run sandbox` (scripts/sandbox.ts from its sources) to `sandbox ready` (every member Pod Ready)",
      sandbox,
    ),
    summaryRow(`baseline: ${MEMBERS} bare etcd processes to \`/health\` true on each`, bareEtcd),
    "",
    `Target: under 5 s. Sandbox overhead over bare etcd (median): ${ms(sandbox.median - bareEtcd.median)}.`,
  ].join("\n");
}
