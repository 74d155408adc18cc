import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { loadConfig } from "../src/core/config/load.js";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { clusterShape } from "../test/support/etcd-cluster-checks.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { breakUntilCrashLooping } from "../test/support/crash-looping-member.js";
import { startRedis } from "../test/support/redis-server.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { summarize, summaryRow, type Summary } from "./stats.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";

const MEMBERS = 5;
/** One run per member. */
const RUNS = 5;

export interface AlertToHealthyResult {
  /** From posting the webhook to the recovery's `finishedAt` (state succeeded, 5 healthy voters), ms. */
  endToEnd: Summary;
  /** The recovery itself: its first step's start to its last step's end, ms. */
  recovery: Summary;
  /** The difference: intake, queueing, the worker taking the job, recording the result, ms. */
  overhead: Summary;
  /** Of the overhead, from the POST to the first step's start, ms. */
  beforeFirstStep: Summary;
  /** Of the overhead, from the last step's end to `finishedAt`, ms. */
  afterLastStep: Summary;
  /** The webhook's own answer time, ms. */
  webhook: Summary;
}

/** When the Pod stopped being Ready (or was created, for one that never was). */
function notReadySince(pod: V1Pod): number {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  const at = ready?.lastTransitionTime ?? pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : Date.now();
}

/**
 * Breaks member `index` of `cluster` (in `default`) the seed's way and waits until it has been down past
 * `deadAfterMs`, as in production, where the alert fires minutes after the crash loop began. Resolves with the
 * crash-looping Pod.
 */
export async function breakAndWaitDead(
  kc: KubeConfig,
  index: number,
  deadAfterMs: number,
  cluster = "example",
): Promise<string> {
  const pod = await breakUntilCrashLooping(kc, "default", cluster, index);
  const read = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: pod, namespace: "default" });
  await new Promise((r) => setTimeout(r, Math.max(0, notReadySince(read) + deadAfterMs + 100 - Date.now())));
  return pod;
}

/**
 * The service (`all`) on a 5-member sandbox: the time from the webhook to a healthy cluster, against the
 * recovery's own steps measured in the same run. The benchmark posts the notification itself, as
 * Alertmanager would after its `group_wait`: Alertmanager's waits are configuration, not the service's.
 */
export async function benchAlertToHealthy(): Promise<AlertToHealthyResult> {
  const token = randomBytes(16).toString("hex");
  const redis = await startRedis();
  let sandbox: SandboxProcess | undefined;
  let responder: ResponderProcess | undefined;
  const samples = {
    endToEnd: [] as number[],
    recovery: [] as number[],
    overhead: [] as number[],
    before: [] as number[],
    after: [] as number[],
    webhook: [] as number[],
  };
  try {
    sandbox = await startSandboxProcess({ members: MEMBERS, backoffMs: 500 });
    const configFile = join(sandbox.dir, "responder.yaml");
    const deadAfterMs = (await loadConfig(configFile)).recovery.deadAfterSeconds * 1000;
    responder = await startResponder({
      config: configFile,
      redisURL: redis.url,
      token,
      mode: "all",
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    const client = new ResponderClient(responder.url, token);
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);

    for (let run = 0; run < RUNS; run++) {
      const member = (run % MEMBERS) + 1;
      const settled = Date.now() + ETCD_SETTLE_MS;
      const pod = await breakAndWaitDead(kc, member, deadAfterMs);
      await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));

      const posted = Date.now();
      const answer = await client.postAlerts(
        crashLoopNotification([{ pod, fingerprint: randomBytes(8).toString("hex") }]),
      );
      samples.webhook.push(Date.now() - posted);
      const id = answer.enqueued[0]?.id;
      if (!id) throw new Error(`the notification about ${pod} queued no recovery: ${JSON.stringify(answer)}`);
      const record = await client.waitUntilFinished(id, 120_000);
      if (record.state !== "succeeded" || !record.finishedAt || record.steps.length === 0) {
        throw new Error(
          `the recovery of member ${member} ended ${record.state}: ${record.reason ?? record.error ?? ""}\n` +
            responder.output().slice(-3000),
        );
      }
      const shape = await clusterShape(sandbox.info, sandbox.info.clusters[0]!);
      if (shape.names.length !== MEMBERS || shape.learners !== 0) {
        throw new Error(
          `after recovering member ${member} the cluster has ${shape.names.length} members, ${shape.learners} learners`,
        );
      }
      const firstStart = Math.min(...record.steps.map((s) => s.startedAt));
      const lastEnd = Math.max(...record.steps.map((s) => s.endedAt));
      const finished = Date.parse(record.finishedAt);
      samples.endToEnd.push(finished - posted);
      samples.recovery.push(lastEnd - firstStart);
      samples.overhead.push(finished - posted - (lastEnd - firstStart));
      samples.before.push(firstStart - posted);
      samples.after.push(finished - lastEnd);
      await new Promise((r) => setTimeout(r, ETCD_SETTLE_MS));
    }
  } finally {
    await responder?.stop();
    await sandbox?.stop();
    await redis.stop();
  }
  return {
    endToEnd: summarize(samples.endToEnd),
    recovery: summarize(samples.recovery),
    overhead: summarize(samples.overhead),
    beforeFirstStep: summarize(samples.before),
    afterLastStep: summarize(samples.after),
    webhook: summarize(samples.webhook),
  };
}

export function renderAlertToHealthy(result: AlertToHealthyResult): string {
  const met = result.overhead.max < 500;
  return [
    `### Alert to healthy (${MEMBERS}-member sandbox, receiver and worker in one process, ` +
      `${result.endToEnd.runs} runs)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(
      "webhook `POST /v1/alerts` to the recovery's end: succeeded, 5 healthy voters with equal hashKV",
      result.endToEnd,
    ),
    summaryRow("the recovery itself: first step's start to last step's end, same runs", result.recovery),
    summaryRow("overhead: the difference", result.overhead),
    summaryRow(
      "of it, the POST to the first step's start (intake, queue, worker takes the job)",
      result.beforeFirstStep,
    ),
    summaryRow("of it, the last step's end to the recorded end (result written to Redis)", result.afterLastStep),
    summaryRow("the webhook's answer (202)", result.webhook),
    "",
    "Each run breaks another member and waits until it has been down past `deadAfterSeconds`, as it has when " +
      "an alert fires in production; then the benchmark posts the notification Alertmanager would post. " +
      "Alertmanager's own waits (`group_wait`, 10 s in deploy/alertmanager) are configuration and not included. " +
      "Times are the service's own clock (same host). " +
      `Target: overhead under 0.5 s — ${met ? "met in every run" : "NOT met in every run"}.`,
  ].join("\n");
}
