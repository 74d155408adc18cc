import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { startRedis } from "../test/support/redis-server.js";
import { imageNodeFlags } from "../test/support/responder-image.js";
import { startResponder } from "../test/support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { runAutocannon } from "./intake-load.js";
import { sampleValue, scrape } from "./prometheus-text.js";

const STORM_SECONDS = 15;
const STORMS = 2;
const CONNECTIONS = 50;
/** How long after the last storm the settled figures are read. */
const SETTLE_MS = 60_000;
const MiB = 2 ** 20;
/** How long the fresh process idles before the storms. */
const IDLE_MS = 25_000;

/** A way to run the service, measured against the others in the same run. */
interface Variant {
  name: string;
  /** Which process takes the storms: the receiver alone (`serve`, the chart's default split) or `all`. */
  mode: "serve" | "all";
  env?: Record<string, string>;
  /** Node.js's flags; default the image's. */
  nodeArgs?: string[];
}

/**
 * The build as the image runs it, as the chart's receiver and as one process doing both; and without the image's
 * Node.js flags, the baselines.
 */
const VARIANTS: readonly Variant[] = [
  { name: "as shipped, the chart's receiver (`serve`)", mode: "serve" },
  { name: "as shipped, receiver and worker in one process (`all`)", mode: "all" },
  { name: "baseline: `serve` without the image's Node.js flags", mode: "serve", nodeArgs: [] },
  { name: "baseline: `all` without the image's Node.js flags", mode: "all", nodeArgs: [] },
];

/** Resident and heap figures the process reports on its `/metrics`, MiB. */
interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface StormMemoryRow {
  variant: string;
  idle: MemoryFigures;
  afterStorms: MemoryFigures;
  settled: MemoryFigures;
  /** Notifications answered over all storms. */
  answered: number;
}

async function memory(metricsURL: string): Promise<MemoryFigures> {
  const text = await scrape(metricsURL);
  const value = (name: string) => sampleValue(text, name) / MiB;
  return {
    rss: value("process_resident_memory_bytes"),
    heapUsed: value("nodejs_heap_size_used_bytes"),
    heapTotal: value("nodejs_heap_size_total_bytes"),
    external: value("nodejs_external_memory_bytes"),
  };
}

/** One variant: a fresh service process, idle, two storms, a minute's rest. */
async function measure(
  sandbox: SandboxProcess,
  redisURL: string,
  variant: Variant,
  pod: string,
): Promise<StormMemoryRow> {
  const token = randomBytes(16).toString("hex");
  const responder = await startResponder({
    config: join(sandbox.dir, "responder.yaml"),
    redisURL,
    token,
    mode: variant.mode,
    compiled: true,
    nodeArgs: variant.nodeArgs ?? imageNodeFlags(),
    env: { KUBECONFIG: sandbox.info.kubeconfig, ...variant.env },
  });
  try {
    const metricsURL = `${responder.url}/metrics`;
    // Past the first quiet interval of the idle release, which gives back what loading the modules left.
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = await memory(metricsURL);
    // One alert about a healthy member, always the same (fixed startsAt and fingerprint), as Alertmanager
    // replicas and retries repeat it.
    const body = JSON.stringify(
      crashLoopNotification([{ pod, fingerprint: "0123456789abcdef", startsAt: new Date(Date.now() - 60_000) }]),
    );
    let answered = 0;
    for (let storm = 0; storm < STORMS; storm++) {
      const result = await runAutocannon({
        url: `${responder.url}/v1/alerts`,
        connections: CONNECTIONS,
        duration: STORM_SECONDS,
        requests: [
          { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body },
        ],
      });
      answered += result.requests.total;
    }
    const afterStorms = await memory(metricsURL);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settled = await memory(metricsURL);
    return { variant: variant.name, idle, afterStorms, settled, answered };
  } finally {
    await responder.stop();
  }
}

/** Each variant in turn on one sandbox and one Redis. */
export async function benchStormMemory(): Promise<StormMemoryRow[]> {
  const redis = await startRedis();
  const sandbox = await startSandboxProcess({ members: 5, backoffMs: 500 });
  try {
    const pods = await kubeConfigFrom(sandbox.info.kubeconfig)
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: "default", labelSelector: "etcd.responder.io/member=2" });
    const pod = pods.items[0]!.metadata!.name!;
    const rows: StormMemoryRow[] = [];
    for (const variant of VARIANTS) rows.push(await measure(sandbox, redis.url, variant, pod));
    return rows;
  } finally {
    await sandbox.stop();
    await redis.stop();
  }
}

const mib = (value: number) => `${value.toFixed(0)} MiB`;

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderStormMemory(rows: StormMemoryRow[]): string {
  return [
    `### Memory after alert storms (the build as the image runs it, ${STORMS} storms of ` +
      `${STORM_SECONDS} s, ` +
      `${CONNECTIONS} connections, one alert about a healthy member; read ${SETTLE_MS / 1000} s after the last)`,
    "",
    "| variant | notifications | RSS idle | RSS after storms | RSS 1 min later | heap used | heap total | external |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${r.answered} | ${mib(r.idle.rss)} | ${mib(r.afterStorms.rss)} | ${mib(r.settled.rss)} | ` +
        `${mib(r.settled.heapUsed)} | ${mib(r.settled.heapTotal)} | ${mib(r.settled.external)} |`,
    ),
    "",
    `Target: RSS under 150 MiB a minute after the storms — ` +
      rows.map((r) => `${r.variant}: ${r.settled.rss < 150 ? "met" : "NOT met"}`).join("; ") +
      ".",
  ].join("\n");
}
