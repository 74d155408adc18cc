import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/core/config/load.js";
import type { RecoveryRecord } from "../src/queue/recovery-queue.js";
import { clusterShape } from "../test/support/etcd-cluster-checks.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { startRedis } from "../test/support/redis-server.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { imageNodeFlags } from "../test/support/responder-image.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { breakAndWaitDead } from "./alert-to-healthy.js";
import { measureCpu, type CpuGroup, type CpuUse } from "./cpu-time.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";
import { overlappingRecoveries } from "./recovery-overlaps.js";
import { queueRecovery, succeeded } from "./recovery-requests.js";
import { ms, summarize, summaryRow, type Summary } from "./stats.js";

const CLUSTERS = 10;
const MEMBERS = 3;
const WORKERS = 2;
/** Single recoveries before the ten at once, each on another cluster. */
const BASELINE_RUNS = 3;
/** The member broken in the baseline runs; the ten at once break another one, so no member is broken twice. */
const BASELINE_MEMBER = 1;
const SCALE_MEMBER = 2;
/** The target: every cluster recovered within this many times one recovery. */
const TARGET_RATIO = 2;
/** Starting 30 etcd Pods at once on a shared two-core host takes longer than the usual minute. */
const SANDBOX_READY_TIMEOUT_MS = 180_000;

export interface ScaleClustersResult {
  /** One recovery on one cluster, nothing else running: POST to `succeeded`, ms. */
  baseline: Summary;
  /** All clusters at once: the first POST to the last `succeeded`, ms. */
  total: number;
  /** Of the clusters at once, each recovery's own POST to `succeeded`, ms. */
  each: Summary;
  /** Of the clusters at once, each recovery's steps: first step's start to last step's end, ms. */
  steps: Summary;
  /** Each step's median duration, ms: in the baseline runs and in the recoveries at once, in the steps' order. */
  stepMedians: { step: string; alone: number; atOnce: number }[];
  /** How many of the clusters at once each worker process ran. */
  perWorker: number[];
  /** Pairs of recoveries of one cluster that ran at the same time, over the whole run. */
  overlaps: number;
  /** The host's 1-minute load average when the run started and when it ended. */
  load: { before: number; after: number };
  /** CPU time from each POST to its recovery's end: each baseline recovery, and all at once. */
  cpu: { baseline: CpuUse[]; atOnce: CpuUse };
}

/** The median duration of each step, ms, in the two sets of recoveries; steps named in the order they ran. */
function stepMedians(
  alone: readonly RecoveryRecord[],
  atOnce: readonly RecoveryRecord[],
): ScaleClustersResult["stepMedians"] {
  const durations = (records: readonly RecoveryRecord[], step: string) =>
    records.flatMap((r) => r.steps.filter((s) => s.name === step).map((s) => s.endedAt - s.startedAt));
  const steps = [...new Set([...alone, ...atOnce].flatMap((r) => r.steps.map((s) => s.name)))];
  return steps.map((step) => ({
    step,
    alone: summarize(durations(alone, step)).median,
    atOnce: summarize(durations(atOnce, step)).median,
  }));
}

/** Whether `worker` logged that it started recovery `id`. */
function ran(worker: ResponderProcess, id: string): boolean {
  return worker.logs().some((line) => line.msg === "recovery started" && line.recovery === id);
}

/**
 * Ten 3-member clusters in one sandbox, the build's receiver and two worker processes: one recovery at a time
 * (the baseline), then one member broken in every cluster and all ten alerts posted at once.
 */
export async function benchScaleClusters(): Promise<ScaleClustersResult> {
  const loadBefore = loadavg()[0]!;
  const token = randomBytes(16).toString("hex");
  const redis = await startRedis();
  let sandbox: SandboxProcess | undefined;
  const processes: ResponderProcess[] = [];
  try {
    sandbox = await startSandboxProcess({
      clusters: CLUSTERS,
      members: MEMBERS,
      backoffMs: 500,
      readyTimeoutMs: SANDBOX_READY_TIMEOUT_MS,
    });
    const config = join(sandbox.dir, "responder.yaml");
    const deadAfterMs = (await loadConfig(config)).recovery.deadAfterSeconds * 1000;
    const start = (mode: "serve" | "worker") =>
      startResponder({
        config,
        redisURL: redis.url,
        token,
        mode,
        compiled: true,
        nodeArgs: imageNodeFlags(),
        env: { KUBECONFIG: sandbox!.info.kubeconfig },
      });
    const receiver = await start("serve");
    processes.push(receiver);
    for (let i = 0; i < WORKERS; i++) processes.push(await start("worker"));
    const workers = processes.slice(1);
    const client = new ResponderClient(receiver.url, token);
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);
    const names = sandbox.info.clusters.map((cluster) => cluster.name);

    const cpuGroups: CpuGroup[] = [
      { name: "etcd members (every process the sandbox started)", pid: sandbox.pid, count: "descendants" },
      { name: "sandbox: API server and kubelet", pid: sandbox.pid, count: "self" },
      ...workers.map((worker, i): CpuGroup => ({ name: `responder worker ${i + 1}`, pid: worker.pid, count: "self" })),
      { name: "responder receiver", pid: receiver.pid, count: "self" },
      { name: "Redis", pid: redis.pid, count: "self" },
      { name: BENCHMARK_CPU, pid: process.pid, count: "self" },
    ];
    const baseline: number[] = [];
    const baselineRecords: RecoveryRecord[] = [];
    const baselineCpu: CpuUse[] = [];
    for (const name of names.slice(0, BASELINE_RUNS)) {
      const settled = Date.now() + ETCD_SETTLE_MS;
      const pod = await breakAndWaitDead(kc, BASELINE_MEMBER, deadAfterMs, name);
      await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
      const posted = Date.now();
      const cpu = await measureCpu(cpuGroups);
      const record = await succeeded(client, await queueRecovery(client, pod), workers);
      baselineCpu.push(await cpu.stop());
      baseline.push(Date.parse(record.finishedAt!) - posted);
      baselineRecords.push(record);
    }

    // The clusters of the baseline settle after their recovery while the others' members are broken.
    const settled = Date.now() + ETCD_SETTLE_MS;
    const pods = await Promise.all(names.map((name) => breakAndWaitDead(kc, SCALE_MEMBER, deadAfterMs, name)));
    await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
    const posts: number[] = [];
    const cpu = await measureCpu(cpuGroups);
    const firstPost = Date.now();
    const ids = await Promise.all(
      pods.map(async (pod) => {
        posts.push(Date.now());
        return queueRecovery(client, pod);
      }),
    );
    const records: RecoveryRecord[] = [];
    // One at a time: the times are the records' own, and one poller loads the receiver less than ten.
    for (const id of ids) records.push(await succeeded(client, id, workers));
    const atOnceCpu = await cpu.stop();
    const finished = records.map((record) => Date.parse(record.finishedAt!));

    for (const cluster of sandbox.info.clusters) {
      const shape = await clusterShape(sandbox.info, cluster);
      if (shape.names.length !== MEMBERS || shape.learners !== 0)
        throw new Error(`${cluster.name} has ${shape.names.length} members and ${shape.learners} learners afterwards`);
    }
    const everyRecovery = await client.listRecoveries({ limit: 100 });
    return {
      baseline: summarize(baseline),
      total: Math.max(...finished) - firstPost,
      each: summarize(finished.map((end, i) => end - posts[i]!)),
      steps: summarize(
        records.map((r) => Math.max(...r.steps.map((s) => s.endedAt)) - Math.min(...r.steps.map((s) => s.startedAt))),
      ),
      stepMedians: stepMedians(baselineRecords, records),
      perWorker: workers.map((worker) => ids.filter((id) => ran(worker, id)).length),
      overlaps: overlappingRecoveries(everyRecovery).length,
      load: { before: loadBefore, after: loadavg()[0]! },
      cpu: { baseline: baselineCpu, atOnce: atOnceCpu },
    };
  } finally {
    for (const child of processes) await child.stop();
    await sandbox?.stop();
    await redis.stop();
  }
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderScaleClusters(result: ScaleClustersResult): string {
  const ratio = result.total / result.baseline.median;
  const bothWorked = result.perWorker.every((count) => count > 0);
  return [
    `### Recovery at scale (${CLUSTERS} sandbox clusters of ${MEMBERS} members, one member broken in each; ` +
      `the build's receiver and ${WORKERS} worker processes)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(
      `baseline: one recovery on one cluster, POST to succeeded (${result.baseline.runs} runs)`,
      result.baseline,
    ),
    `| all ${CLUSTERS} at once: first POST to last succeeded | ${ms(result.total)} | | |`,
    summaryRow(`of them, each recovery's POST to succeeded`, result.each),
    summaryRow(`of them, each recovery's steps (first start to last end)`, result.steps),
    "",
    "| step | median alone | median with all at once |",
    "|---|---|---|",
    ...result.stepMedians.map((s) => `| ${s.step} | ${ms(s.alone)} | ${ms(s.atOnce)} |`),
    "",
    `Ratio: ${ratio.toFixed(2)}x one recovery (target: at most ${TARGET_RATIO}x) — ` +
      `${ratio <= TARGET_RATIO ? "met" : "NOT met"}. ` +
      `Recoveries of the ${CLUSTERS} per worker process: ${result.perWorker.join(" and ")} ` +
      `(${bothWorked ? "both took work" : "NOT both took work"}). ` +
      `Recoveries of one cluster that overlapped in time, over the whole run: ${result.overlaps}. ` +
      `Host load (1 min) ${result.load.before.toFixed(1)} at the start, ${result.load.after.toFixed(1)} at the end.`,
    "",
    ...renderCpu(result),
  ].join("\n");
}

/** Whether a CPU group is one of the responder's own processes. */
const isResponder = (name: string) => name.startsWith("responder ");
/** The CPU group of this benchmark's own process. */
const BENCHMARK_CPU = "this benchmark (posting, polling)";

/**
 * Where the CPU went, alone and all at once, and the least time all at once could take on this host if the
 * responder's own processes used no CPU at all: what the rest of the host used, spread over every core.
 */
function renderCpu(result: ScaleClustersResult): string[] {
  const { baseline, atOnce } = result.cpu;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const s = (seconds: number) => `${seconds.toFixed(2)} s`;
  const busyShare = (busy: number, wall: number) => `${Math.round((100 * busy) / (wall * atOnce.cores))} %`;
  const baselineBusy = mean(baseline.map((use) => use.hostBusy));
  const baselineWall = mean(baseline.map((use) => use.wallSeconds));
  const rows = atOnce.groups.map(
    (group, i) => `| ${group.name} | ${s(mean(baseline.map((use) => use.groups[i]!.seconds)))} | ${s(group.seconds)} |`,
  );
  const seconds = (pick: (name: string) => boolean) =>
    atOnce.groups.filter((g) => pick(g.name)).reduce((sum, g) => sum + g.seconds, 0);
  const responder = seconds(isResponder);
  const environment = atOnce.hostBusy - responder - seconds((name) => name === BENCHMARK_CPU);
  const floor = environment / atOnce.cores;
  return [
    "| CPU time | one recovery alone (mean) | all at once |",
    "|---|---|---|",
    ...rows,
    `| the whole host (${atOnce.cores} cores) | ${s(baselineBusy)} | ${s(atOnce.hostBusy)} |`,
    `| wall time measured | ${s(baselineWall)} | ${s(atOnce.wallSeconds)} |`,
    `| host busy | ${busyShare(baselineBusy, baselineWall)} | ${busyShare(atOnce.hostBusy, atOnce.wallSeconds)} |`,
    "",
    `The responder's processes used ${s(responder)} of the host's ${s(atOnce.hostBusy)} of CPU ` +
      `during the ${CLUSTERS} at once. The rest, less this benchmark's own, was ${s(environment)}: ` +
      "etcd members starting, catching up, keeping heartbeats and answering probes, and the sandbox running Pods " +
      "and serving requests (some of them the responder's). " +
      `That alone takes at least ${s(floor)} on ${atOnce.cores} cores, ` +
      `${((1000 * floor) / result.baseline.median).toFixed(2)}x one recovery, ` +
      "however little CPU the responder's own processes used.",
  ];
}
