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
/** The start-up target with every Pod in namespaces of its own. */
const TARGET_MS = 3000;

/** The two ways the sandbox runs Pods: namespaces of their own (the default as root), or loopback (the baseline). */
type MeasuredMode = "namespaces" | "loopback";

/** One start of the etcd sandbox. */
interface StartTimes {
  /** From its spawn to its `API server listening` line: the scripts loaded, the Pod network made, no Pod yet. */
  apiServer: number;
  /** From its spawn to its `sandbox ready` line: every member Pod Ready. */
  ready: number;
  /** The sandbox's own start-up, as its `sandbox ready` line reports it: from the start call to every member Ready. */
  sandbox: number;
}

/**
 * Times the etcd sandbox (`npm run sandbox -- --isolation MODE`) from being started to its `API server
 * listening` and `sandbox ready` lines, then SIGTERM and wait for exit.
 */
async function sandboxStartOnce(isolation: MeasuredMode): Promise<StartTimes> {
  const dir = await mkdtemp(join(tmpdir(), "bench-sandbox-"));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...RUN_TYPESCRIPT,
      join(repoRoot, "scripts/sandbox.ts"),
      ...["--dir", dir, "--members", String(MEMBERS), "--isolation", isolation],
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    return await new Promise<StartTimes>((resolve, reject) => {
      let output = "";
      let apiServer: number | undefined;
      const timer = setTimeout(() => reject(new Error(`sandbox (${isolation}) not ready within 60 s`)), 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (apiServer === undefined && output.includes("API server listening")) apiServer = performance.now() - started;
        const readyLine = output.split("\n").find((line) => line.includes("sandbox ready") && line.endsWith("}"));
        if (readyLine) {
          clearTimeout(timer);
          const ready = performance.now() - started;
          const { startMs } = JSON.parse(readyLine) as { startMs?: unknown };
          if (typeof startMs !== "number") reject(new Error(`no startMs in the sandbox's ready line: ${readyLine}`));
          else resolve({ apiServer: apiServer ?? ready, ready, sandbox: startMs });
        }
      });
      void exited.then(() => reject(new Error(`sandbox (${isolation}) exited early:\n${output.slice(-2000)}`)));
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

/** Start-up times of each isolation mode and of bare etcd, from the same interleaved runs. */
export interface SandboxStartupResult {
  /** The sandbox's own start-up, from the start call to every member Ready. */
  sandbox: Record<MeasuredMode, Summary>;
  /** From the spawn of `npm run sandbox` to every member Ready: the sandbox plus loading its TypeScript. */
  process: Record<MeasuredMode, Summary>;
  /** From the spawn to the API server listening: mostly loading the scripts. */
  apiServer: Record<MeasuredMode, Summary>;
  /** The same number of bare etcd processes, no Kubernetes. */
  bareEtcd: Summary;
}

/** Starts the 5-member etcd sandbox `RUNS` times in each isolation mode, and bare etcd as often, interleaved. */
export async function benchSandboxStartup(): Promise<SandboxStartupResult> {
  const starts: Record<MeasuredMode, StartTimes[]> = { namespaces: [], loopback: [] };
  const bare: number[] = [];
  // Interleaved, so that every kind sees the same machine load.
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareEtcdOnce());
    starts.namespaces.push(await sandboxStartOnce("namespaces"));
    starts.loopback.push(await sandboxStartOnce("loopback"));
  }
  const both = (part: keyof StartTimes): Record<MeasuredMode, Summary> => ({
    namespaces: summarize(starts.namespaces.map((s) => s[part])),
    loopback: summarize(starts.loopback.map((s) => s[part])),
  });
  return { sandbox: both("sandbox"), process: both("ready"), apiServer: both("apiServer"), bareEtcd: summarize(bare) };
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderSandboxStartup(result: SandboxStartupResult): string {
  const { sandbox, process, apiServer, bareEtcd } = result;
  const { namespaces, loopback } = sandbox;
  const met = namespaces.median < TARGET_MS ? "met" : "not met";
  return [
    `### Sandbox start-up (${MEMBERS} members, ${namespaces.runs} runs each, interleaved)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow("the sandbox with `--isolation namespaces`: start to every member Pod Ready", namespaces),
    summaryRow("baseline: the same with `--isolation loopback` (Pods as host processes)", loopback),
    summaryRow("`npm run sandbox -- --isolation namespaces`, spawn to `sandbox ready`", process.namespaces),
    summaryRow("`npm run sandbox -- --isolation loopback`, spawn to `sandbox ready`", process.loopback),
    summaryRow("of which, namespaces: spawn to `API server listening` (scripts loaded)", apiServer.namespaces),
    summaryRow("of which, loopback: spawn to `API server listening`", apiServer.loopback),
    summaryRow(`floor: ${MEMBERS} bare etcd processes to \`/health\` true on each`, bareEtcd),
    "",
    "Namespaces to loopback (medians of the sandbox's start-up): " +
      `${(namespaces.median / loopback.median).toFixed(2)}x ` +
      `(${namespaces.median >= loopback.median ? "+" : "-"}${ms(Math.abs(namespaces.median - loopback.median))}). ` +
      `Target: under ${ms(TARGET_MS)} with namespaces — ${met} (median ${ms(namespaces.median)}). ` +
      "The spawn-to-ready rows add what loading the TypeScript sources costs before the sandbox starts.",
  ].join("\n");
}
