import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { conventionalPodName, crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { startRedis } from "../test/support/redis-server.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { imageNodeFlags } from "../test/support/responder-image.js";
import { startResponder } from "../test/support/responder-process.js";
import { tokenKubeconfig } from "../test/support/token-kubeconfig.js";
import { memberDeploymentName } from "../src/cli/example-cluster-manifests.js";
import { loadFigures, runAutocannon, type LoadFigures } from "./intake-load.js";
import { residentMemory, type ResidentMemory } from "./process-memory.js";
import { summarize } from "./stats.js";

/** The configurations compared: one cluster, the baseline, and many. */
const FEW = 1;
const MANY = 100;
/** Runs of each, interleaved. */
const ROUNDS = 3;
const CONNECTIONS = 10;
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 2;
const MEMBERS = 5;
/** The alerts name member 3 of the last configured cluster. */
const MEMBER = 3;
/** The target: throughput and memory with many clusters within this fraction of one. */
const TOLERANCE = 0.1;

/** One run of the receiver with a number of configured clusters. */
export interface ConfiguredClustersRun {
  clusters: number;
  load: LoadFigures;
  /** Resident memory once it answered the first notification, before the load, MiB. */
  idle: ResidentMemory;
  /** Resident memory right after the load, MiB (its peak is the run's peak). */
  loaded: ResidentMemory;
}

export interface ConfiguredClustersResult {
  runs: ConfiguredClustersRun[];
  /** The host's 1-minute load average when the runs started and when they ended. */
  hostLoad: { before: number; after: number };
}

/** Cluster `n` (1-based) of the generated configurations: `cluster-001`, `cluster-002`, ... */
function clusterName(n: number): string {
  return `cluster-${String(n).padStart(3, "0")}`;
}

/**
 * A configuration of `count` 5-member clusters in `default` whose etcd and Kubernetes are nowhere: the receiver
 * maps alerts to members by the Pod name convention and queues, which needs neither.
 */
function configuredClusters(count: number): string {
  const clusters = Array.from({ length: count }, (_, i) => ({
    name: clusterName(i + 1),
    namespace: "default",
    members: MEMBERS,
  }));
  return stringify({ clusters });
}

/**
 * The receiver alone (`serve`, the build) with `count` configured clusters and a Redis of its own: one
 * notification queues a recovery, then the same notification as fast as it answers (every one a dedup).
 */
async function measure(dir: string, count: number): Promise<ConfiguredClustersRun> {
  const config = join(dir, `clusters-${count}.yaml`);
  await writeFile(config, configuredClusters(count));
  const token = randomBytes(16).toString("hex");
  const redis = await startRedis();
  try {
    const responder = await startResponder({
      config,
      redisURL: redis.url,
      token,
      mode: "serve",
      compiled: true,
      nodeArgs: imageNodeFlags(),
      env: { KUBECONFIG: join(dir, "kubeconfig") },
    });
    try {
      const pod = conventionalPodName(memberDeploymentName(clusterName(count), MEMBER));
      const notification = crashLoopNotification([{ pod }]);
      const first = await new ResponderClient(responder.url, token).postAlerts(notification);
      if (first.enqueued.length !== 1) throw new Error(`the first notification queued ${JSON.stringify(first)}`);
      const idle = await residentMemory(responder.pid);
      const alerts = {
        url: `${responder.url}/v1/alerts`,
        method: "POST" as const,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(notification),
        connections: CONNECTIONS,
      };
      await runAutocannon({ ...alerts, duration: WARM_UP_SECONDS });
      const load = loadFigures(await runAutocannon({ ...alerts, duration: DURATION_SECONDS }));
      const loaded = await residentMemory(responder.pid);
      if (load.non2xx || load.errors)
        throw new Error(
          `with ${count} clusters the receiver answered ${load.non2xx} non-2xx and ${load.errors} errors:\n` +
            responder.output().slice(-3000),
        );
      return { clusters: count, load, idle, loaded };
    } finally {
      await responder.stop();
    }
  } finally {
    await redis.stop();
  }
}

/** The receiver with one configured cluster, then with a hundred, interleaved, each run a fresh process. */
export async function benchConfiguredClusters(): Promise<ConfiguredClustersResult> {
  const before = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), "etcd-responder-bench-clusters-"));
  try {
    // A port nothing listens on, so the benchmark cannot reach any real cluster.
    await writeFile(join(dir, "kubeconfig"), tokenKubeconfig("https://127.0.0.1:9"));
    const runs: ConfiguredClustersRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const count of [FEW, MANY]) runs.push(await measure(dir, count));
    }
    return { runs, hostLoad: { before, after: loadavg()[0]! } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => summarize(values).median;

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderConfiguredClusters(result: ConfiguredClustersResult): string {
  const of = (count: number) => result.runs.filter((run) => run.clusters === count);
  const figures = (count: number) => {
    const runs = of(count);
    return {
      rate: median(runs.map((r) => r.load.requestsPerSecond)),
      p99: median(runs.map((r) => r.load.p99)),
      idle: median(runs.map((r) => r.idle.rss)),
      loaded: median(runs.map((r) => r.loaded.rss)),
      peak: median(runs.map((r) => r.loaded.peak)),
    };
  };
  const few = figures(FEW);
  const many = figures(MANY);
  const row = (what: string, f: typeof few, count: number) =>
    `| ${what} | ${f.rate.toFixed(0)} | ${f.p99.toFixed(1)} ms | ${f.idle.toFixed(0)} MiB | ` +
    `${f.loaded.toFixed(0)} MiB | ${f.peak.toFixed(0)} MiB | ` +
    `${of(count)
      .map((r) => r.load.requestsPerSecond.toFixed(0))
      .join(", ")} |`;
  const rateRatio = many.rate / few.rate;
  const memoryRatio = many.loaded / few.loaded;
  const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
  const rateMet = rateRatio >= 1 - TOLERANCE;
  const memoryMet = memoryRatio <= 1 + TOLERANCE;
  return [
    `### Configured clusters (the build's receiver alone, ${CONNECTIONS} connections, ${DURATION_SECONDS} s per run, ` +
      `${ROUNDS} runs each, interleaved, medians)`,
    "",
    "| configuration | requests/s | p99 | RSS idle | RSS after the load | peak RSS | requests/s of each run |",
    "|---|---|---|---|---|---|---|",
    row(`${MANY} clusters of ${MEMBERS} members`, many, MANY),
    row(`baseline: ${FEW} cluster of ${MEMBERS} members`, few, FEW),
    "",
    `Every notification carries one firing alert about member ${MEMBER} of the last configured cluster, whose ` +
      `recovery the first one queued (a dedup). With ${MANY} clusters: ${percent(rateRatio)} of the ` +
      `baseline's requests/s (target: at least ${percent(1 - TOLERANCE)} — ${rateMet ? "met" : "NOT met"}), ` +
      `RSS after the load ${percent(memoryRatio)} of the baseline's ` +
      `(target: at most ${percent(1 + TOLERANCE)} — ${memoryMet ? "met" : "NOT met"}). ` +
      `Host load (1 min) ${result.hostLoad.before.toFixed(1)} at the start, ${result.hostLoad.after.toFixed(1)} ` +
      `at the end.`,
  ].join("\n");
}
