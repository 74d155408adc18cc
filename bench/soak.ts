import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadConfig } from "../src/core/config/load.js";
import type { RecoveryRecord } from "../src/queue/recovery-queue.js";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { kubeConfigFrom, memberSelector } from "../test/support/pod-watch.js";
import { startRedis } from "../test/support/redis-server.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { imageNodeFlags } from "../test/support/responder-image.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { breakAndWaitDead } from "./alert-to-healthy.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";
import { startHostDelayProbe, type HostDelayProbe } from "./host-delay-probe.js";
import { runAutocannon } from "./intake-load.js";
import { sampleProcess, type ProcessSamples } from "./process-sampler.js";
import { queueRecovery, succeeded } from "./recovery-requests.js";
import { summarize, summaryRow, type Summary } from "./stats.js";

const SOAK_SECONDS = 60;
/** Alerts per second, sent at a steady rate. */
const RATE = 1000;
const CONNECTIONS = 10;
const MEMBERS = 3;
/** The targets: resident memory of each process under this, MiB; no event-loop delay over this, ms. */
const RSS_LIMIT_MIB = 150;
const DELAY_LIMIT_MS = 100;
const SAMPLE_INTERVAL_MS = 1000;
/** The start of the soak, when the receiver's code is still being optimised, shown apart. */
const WARM_UP_MS = 5000;

/** When a process's longest event-loop delay happened. */
export interface WorstDelay {
  secondsIntoSoak: number;
  duringRecovery: boolean;
  /** The longest delay once the first WARM_UP_MS of the soak are over, ms. */
  afterWarmUpMs: number;
}

/**
 * When the process's longest delay happened: seconds into the soak, and whether any recovery (of either cluster) ran
 * in the sample's interval; and its longest delay after the warm-up.
 */
function worstDelay(samples: ProcessSamples, soakStarted: number, records: readonly RecoveryRecord[]): WorstDelay {
  const at = samples.eventLoopDelayMaxAt;
  const from = at - SAMPLE_INTERVAL_MS;
  const ran = (r: RecoveryRecord) =>
    r.startedAt !== undefined && Date.parse(r.startedAt) <= at && Date.parse(r.finishedAt ?? "9999") >= from;
  return {
    secondsIntoSoak: (at - soakStarted) / 1000,
    duringRecovery: records.some(ran),
    afterWarmUpMs: Math.max(
      0,
      ...samples.series.filter((s) => s.at - SAMPLE_INTERVAL_MS >= soakStarted + WARM_UP_MS).map((s) => s.delayMs),
    ),
  };
}

export interface SoakResult {
  /** Notifications sent per second, over the soak. */
  rate: number;
  /** Notifications answered, by HTTP status. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  receiver: ProcessSamples;
  worker: ProcessSamples;
  /** For each process's longest delay: seconds into the soak, and whether a recovery ran in that interval. */
  worstDelay: { receiver: WorstDelay; worker: WorstDelay };
  /** The states of the recoveries the storm's alert queued for its healthy member. */
  stormRecoveries: string[];
  /** The baseline: the longest event-loop delay of an idle Node.js process on the same host meanwhile, ms. */
  idleProcessDelayMaxMs: number;
  /** Recoveries of the broken members that ended within the soak, and the one still running when it ended. */
  recoveredWithin: number;
  recoveredAfter: number;
  /** Each of them: POST to succeeded, ms. */
  recoveries: Summary;
  /** The host's 1-minute load average when the run started and when it ended. */
  hostLoad: { before: number; after: number };
}

/**
 * Until `soaking()` turns false: breaks a member of `cluster` (the next one each time), posts the alert about it and
 * waits until it is recovered. Resolves with the records of the recoveries.
 */
async function recoverRepeatedly(
  context: { client: ResponderClient; sandbox: SandboxProcess; worker: ResponderProcess; deadAfterMs: number },
  cluster: string,
  soaking: () => boolean,
): Promise<{ record: RecoveryRecord; posted: number }[]> {
  const kc = kubeConfigFrom(context.sandbox.info.kubeconfig);
  const done: { record: RecoveryRecord; posted: number }[] = [];
  for (let member = 1; soaking(); member = (member % MEMBERS) + 1) {
    const settled = Date.now() + ETCD_SETTLE_MS;
    const pod = await breakAndWaitDead(kc, member, context.deadAfterMs, cluster);
    await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
    const posted = Date.now();
    const id = await queueRecovery(context.client, pod);
    done.push({ record: await succeeded(context.client, id, [context.worker]), posted });
  }
  return done;
}

/**
 * The build's receiver and worker as separate processes on a sandbox of two 3-member clusters: a steady 1,000
 * alerts/s for a minute about a healthy member of the first cluster (always the same alert, as Alertmanager
 * replicas and repeats send it), while members of the second are broken and recovered one after another.
 */
export async function benchSoak(): Promise<SoakResult> {
  const before = loadavg()[0]!;
  const token = randomBytes(16).toString("hex");
  const redis = await startRedis();
  let sandbox: SandboxProcess | undefined;
  const processes: ResponderProcess[] = [];
  let probe: HostDelayProbe | undefined;
  try {
    sandbox = await startSandboxProcess({ clusters: 2, members: MEMBERS, backoffMs: 500 });
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
    const worker = await start("worker");
    processes.push(worker);
    const client = new ResponderClient(receiver.url, token);
    const [stormCluster, brokenCluster] = sandbox.info.clusters.map((cluster) => cluster.name) as [string, string];
    const pods = await kubeConfigFrom(sandbox.info.kubeconfig)
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: "default", labelSelector: memberSelector(stormCluster, 1) });
    const body = JSON.stringify(
      crashLoopNotification([
        {
          pod: pods.items[0]!.metadata!.name!,
          fingerprint: "0123456789abcdef",
          startsAt: new Date(Date.now() - 60_000),
        },
      ]),
    );

    probe = await startHostDelayProbe();
    const samplers = [
      await sampleProcess(receiver.pid, `${receiver.url}/metrics`, SAMPLE_INTERVAL_MS),
      await sampleProcess(worker.pid, `http://127.0.0.1:${worker.workerPort}/metrics`, SAMPLE_INTERVAL_MS),
    ];
    let soaking = true;
    const recovered = recoverRepeatedly({ client, sandbox, worker, deadAfterMs }, brokenCluster, () => soaking);
    // Its failure is awaited below, once the load has ended.
    recovered.catch(() => undefined);
    const soakStarted = Date.now();
    const load = await runAutocannon({
      url: `${receiver.url}/v1/alerts`,
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SOAK_SECONDS,
    });
    soaking = false;
    const soakEnded = Date.now();
    const [receiverSamples, workerSamples] = await Promise.all(samplers.map((sampler) => sampler.stop()));
    const idleProcessDelayMaxMs = await probe.stop();
    const recoveries = await recovered;
    // Both clusters' recoveries: the storm's first alert queues one of its healthy member.
    const records = await client.listRecoveries({ limit: 100 });
    const stormRecoveries = records.filter((r) => r.cluster === stormCluster).map((r) => r.state);
    const within = recoveries.filter(({ record }) => Date.parse(record.finishedAt!) <= soakEnded).length;
    return {
      rate: load.requests.total / load.duration,
      statuses: Object.fromEntries(
        Object.entries(load.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
      ),
      errors: load.errors + load.timeouts,
      receiver: receiverSamples!,
      worker: workerSamples!,
      worstDelay: {
        receiver: worstDelay(receiverSamples!, soakStarted, records),
        worker: worstDelay(workerSamples!, soakStarted, records),
      },
      idleProcessDelayMaxMs,
      stormRecoveries,
      recoveredWithin: within,
      recoveredAfter: recoveries.length - within,
      recoveries: summarize(recoveries.map(({ record, posted }) => Date.parse(record.finishedAt!) - posted)),
      hostLoad: { before, after: loadavg()[0]! },
    };
  } finally {
    await probe?.stop();
    for (const child of processes) await child.stop();
    await sandbox?.stop();
    await redis.stop();
  }
}

/** V8's heap and the memory outside it when the process's RSS peaked. */
function heapAt(s: ProcessSamples): string {
  const { heapUsed, heapTotal, external } = s.atRssMax;
  return `${heapUsed.toFixed(0)} / ${heapTotal.toFixed(0)} / ${external.toFixed(0)} MiB`;
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderSoak(result: SoakResult): string {
  const when = (w: WorstDelay) =>
    `${w.secondsIntoSoak.toFixed(0)} s in, ${w.duringRecovery ? "while a recovery ran" : "no recovery running"}`;
  const row = (what: string, s: ProcessSamples, worst: WorstDelay) =>
    `| ${what} | ${s.rssStart.toFixed(0)} MiB | ${s.rssMax.toFixed(0)} MiB | ${heapAt(s)} | ` +
    `${s.rssEnd.toFixed(0)} MiB | ` +
    `${s.eventLoopDelayMaxMs.toFixed(0)} ms (${when(worst)}) | ${worst.afterWarmUpMs.toFixed(0)} ms | ` +
    `${s.samples} (${s.skipped} skipped) |`;
  const memoryMet = result.receiver.rssMax < RSS_LIMIT_MIB && result.worker.rssMax < RSS_LIMIT_MIB;
  const delayMet =
    result.receiver.eventLoopDelayMaxMs <= DELAY_LIMIT_MS && result.worker.eventLoopDelayMaxMs <= DELAY_LIMIT_MS;
  const statuses = Object.entries(result.statuses)
    .map(([status, count]) => `${count} × ${status}`)
    .join(", ");
  return [
    `### Soak (${SOAK_SECONDS} s at ${RATE} alerts/s, ${CONNECTIONS} connections; the build's receiver and worker as ` +
      `separate processes; members of a second cluster broken and recovered meanwhile)`,
    "",
    `| process | RSS at the start | RSS max | at the max: heap used / heap total / external | RSS at the end | ` +
      `longest event-loop delay | the same after the first ` +
      `${WARM_UP_MS / 1000} s | samples (1 s) |`,
    "|---|---|---|---|---|---|---|---|",
    row("receiver (`serve`)", result.receiver, result.worstDelay.receiver),
    row("worker (`worker`)", result.worker, result.worstDelay.worker),
    `| baseline: an idle Node.js process (a 1 s timer) on the same host meanwhile | | | | | ` +
      `${result.idleProcessDelayMaxMs.toFixed(0)} ms | | |`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow("a recovery during the soak: POST to succeeded", result.recoveries),
    "",
    `Sent ${result.rate.toFixed(0)} notifications/s (target rate ${RATE}); answered: ${statuses || "none"}; ` +
      `${result.errors} errors and timeouts. Recoveries completed: ${result.recoveredWithin} within the soak, ` +
      `${result.recoveredAfter} more finishing after it, every one succeeded; the storm's alert about the healthy ` +
      `member queued ${result.stormRecoveries.length} (${result.stormRecoveries.join(", ")}). ` +
      `Target: RSS under ${RSS_LIMIT_MIB} MiB in each process — ${memoryMet ? "met" : "NOT met"}; no event-loop ` +
      `delay over ${DELAY_LIMIT_MS} ms — ${delayMet ? "met" : "NOT met"}. ` +
      `Host load (1 min) ${result.hostLoad.before.toFixed(1)} at the start, ${result.hostLoad.after.toFixed(1)} ` +
      `at the end.`,
  ].join("\n");
}
