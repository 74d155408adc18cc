import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "kube-sandbox";
import { stringify } from "yaml";
import type { AlertsAnswer } from "../src/intake/alerts.js";
import { capturingLogger } from "../test/support/capturing-logger.js";
import { crashLoopNotification, type CrashLoopAlert } from "../test/support/crash-loop-notification.js";
import { startRedis, type TestRedis } from "../test/support/redis-server.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { ms, summarize, summaryRow, type Summary } from "./stats.js";

/** Distinct Pod names no member's naming matches, in the managed namespace: about 840 KB of notification. */
const UNKNOWN_PODS = 1150;
const RUNS = 5;
/** How long such a notification may hold its request (median). */
const TARGET_MS = 1000;

export interface UnknownPodsResult {
  /** Size of one notification, bytes. */
  bytes: number;
  /** `POST /v1/alerts` with UNKNOWN_PODS unknown Pods and one Pod known only by its labels. */
  unknown: Summary;
  /** Baseline: the same number of alerts, every Pod named by the convention (no Kubernetes read). */
  conventional: Summary;
  /** Pod LISTs the API server served per notification of unknown Pods. */
  listsPerNotification: number;
  /** What the last notification of unknown Pods answered. */
  answer: AlertsAnswer;
}

/** One alert per unknown Pod, plus one about member 2's Pod whose name says nothing. */
function unknownPodAlerts(run: number): CrashLoopAlert[] {
  return [
    ...Array.from({ length: UNKNOWN_PODS }, (_, i) => ({ pod: `web-${run}-${i}-6b7c9d8f5-x${i}q` })),
    { pod: "etcd-odd-name" },
  ];
}

/** As many alerts, about Pods of members 1 to 5 named by the convention (`DEPLOYMENT-HASH-XXXXX`). */
function conventionalAlerts(run: number): CrashLoopAlert[] {
  return Array.from({ length: UNKNOWN_PODS + 1 }, (_, i) => ({
    pod: `example-${(i % 5) + 1}-6b7c9d8f5-${(run * 10_000 + i).toString(36).padStart(5, "0")}`,
  }));
}

/** Posts a notification and times it; throws unless it is answered 202. */
async function post(
  url: string,
  token: string,
  alerts: CrashLoopAlert[],
): Promise<{ ms: number; answer: AlertsAnswer }> {
  const body = JSON.stringify(crashLoopNotification(alerts));
  const started = performance.now();
  const response = await fetch(`${url}/v1/alerts`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 202) throw new Error(`POST /v1/alerts answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms: elapsed, answer: JSON.parse(text) as AlertsAnswer };
}

/**
 * The receiver (`serve`) against the sandbox's API server, run in this process so that its request log counts
 * the Pod LISTs: notifications naming thousands of Pods the naming convention does not know, interleaved with
 * notifications of as many Pods it does know.
 */
export async function benchUnknownPods(): Promise<UnknownPodsResult> {
  const dir = await mkdtemp(join(tmpdir(), "etcd-responder-bench-unknown-pods-"));
  const log = capturingLogger();
  const token = randomBytes(16).toString("hex");
  let redis: TestRedis | undefined;
  let sandbox: Sandbox | undefined;
  let responder: ResponderProcess | undefined;
  try {
    redis = await startRedis();
    sandbox = await startSandbox({ dir: join(dir, "sandbox"), logger: log.logger });
    const labels = { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" };
    sandbox.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "etcd-odd-name", namespace: "default", labels },
      spec: { containers: [{ name: "etcd", image: "quay.io/coreos/etcd:v3.4.34", command: ["sleep", "3600"] }] },
    });
    await writeFile(join(dir, "responder.yaml"), stringify({ clusters: [{ name: "example", members: 5 }] }));
    responder = await startResponder({
      mode: "serve",
      config: join(dir, "responder.yaml"),
      redisURL: redis.url,
      token,
      env: { KUBECONFIG: sandbox.kubeconfig },
    });
    const podLists = () =>
      log
        .lines()
        .filter((l) => l.msg === "request" && l.method === "GET" && l.path === "/api/v1/namespaces/default/pods")
        .length;

    const unknown: number[] = [];
    const conventional: number[] = [];
    let answer: AlertsAnswer | undefined;
    const listsBefore = podLists();
    for (let run = 0; run < RUNS; run++) {
      const posted = await post(responder.url, token, unknownPodAlerts(run));
      unknown.push(posted.ms);
      answer = posted.answer;
      conventional.push((await post(responder.url, token, conventionalAlerts(run))).ms);
    }
    return {
      bytes: Buffer.byteLength(JSON.stringify(crashLoopNotification(unknownPodAlerts(0)))),
      unknown: summarize(unknown),
      conventional: summarize(conventional),
      // The baseline's notifications make none.
      listsPerNotification: (podLists() - listsBefore) / RUNS,
      answer: answer!,
    };
  } finally {
    await responder?.stop();
    await sandbox?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderUnknownPods(result: UnknownPodsResult): string {
  const met = result.unknown.median < TARGET_MS;
  return [
    `### A notification naming ${UNKNOWN_PODS.toLocaleString("en")} unknown Pods in a managed namespace ` +
      `(${(result.bytes / 1024).toFixed(0)} KiB, ${RUNS} runs each, interleaved)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(`\`POST /v1/alerts\`: ${UNKNOWN_PODS} unknown Pods and one known by its labels only`, result.unknown),
    summaryRow("baseline: as many alerts about Pods named by the convention (no Kubernetes read)", result.conventional),
    "",
    `Pod LISTs served per notification: ${result.listsPerNotification}. Last answer: ` +
      `${result.answer.enqueued.length} enqueued, ${result.answer.deduplicated} deduplicated, ` +
      `${result.answer.ignored} ignored. Target: median under ${ms(TARGET_MS)} — ` +
      `${met ? "met" : "not met"} (${ms(result.unknown.median)}).`,
  ].join("\n");
}
