import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { clusterShape } from "../test/support/etcd-cluster-checks.js";
import { runHelm } from "../test/support/helm-chart.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { releaseReceiver } from "../test/support/release-receiver.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { startSandboxProcess } from "../test/support/sandbox-process.js";
import { breakAndWaitDead } from "./alert-to-healthy.js";
import { BareEtcdFloor } from "./bare-member-replacement.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";
import { ms, summarize, summaryRow, type Summary } from "./stats.js";

const MEMBERS = 5;
const RELEASE = "etcd-responder";
const INSTALLS = 3;
/** Recoveries through the installed responder, one per member. */
const RECOVERIES = 5;
/** The chart's default `config.recovery.deadAfterSeconds`. */
const CHART_DEAD_AFTER_MS = 5000;

export interface HelmInClusterResult {
  /** `helm install --wait` of the chart's defaults until every Pod (receiver, worker, Redis) is Ready, ms. */
  install: Summary;
  /** From posting Alertmanager's notification to the receiver's Service to the recorded end (succeeded), ms. */
  alertToHealthy: Summary;
  /** The in-cluster worker's recovery: its first step's start to its last step's end, ms. */
  recovery: Summary;
  /** The same member replacement done with bare etcd calls and processes, no Kubernetes, ms. */
  floor: Summary;
}

/**
 * The product as installed: a 5-member sandbox with isolated Pods, the chart installed with its defaults. It
 * measures the install (then uninstalls, `INSTALLS` times), and with the last release in place recovers each
 * member in turn from a posted notification, interleaved with the bare-etcd floor's replacement of the same
 * member.
 */
export async function benchHelmInCluster(): Promise<HelmInClusterResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-helm-"));
  const sandbox = await startSandboxProcess({ members: MEMBERS, backoffMs: 500, isolation: "namespaces" });
  const floor = await BareEtcdFloor.start(MEMBERS);
  const helm = async (...args: string[]) => {
    const run = await runHelm(
      ["--kubeconfig", sandbox.info.kubeconfig, "--namespace", "default", ...args],
      dir,
      300_000,
    );
    if (run.code !== 0) throw new Error(`helm ${args.join(" ")} failed: ${run.stderr}`);
  };
  const samples = {
    install: [] as number[],
    alertToHealthy: [] as number[],
    recovery: [] as number[],
    floor: [] as number[],
  };
  try {
    for (let install = 1; install <= INSTALLS; install++) {
      const started = performance.now();
      await helm("install", RELEASE, "chart", "--wait", "--timeout", "300s");
      samples.install.push(performance.now() - started);
      if (install < INSTALLS) await helm("uninstall", RELEASE, "--wait", "--timeout", "120s");
    }
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);
    const { url, token } = await releaseReceiver(kc, RELEASE, "default");
    const receiver = new ResponderClient(url, token);
    for (let run = 0; run < RECOVERIES; run++) {
      const member = (run % MEMBERS) + 1;
      const settled = Date.now() + ETCD_SETTLE_MS;
      const pod = await breakAndWaitDead(kc, member, CHART_DEAD_AFTER_MS);
      await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
      const posted = Date.now();
      const answer = await receiver.postAlerts(
        crashLoopNotification([{ pod, fingerprint: randomBytes(8).toString("hex") }]),
      );
      const id = answer.enqueued[0]?.id;
      if (!id) throw new Error(`the notification about ${pod} queued no recovery: ${JSON.stringify(answer)}`);
      const record = await receiver.waitUntilFinished(id, 180_000);
      if (record.state !== "succeeded" || !record.finishedAt) {
        throw new Error(
          `the recovery of member ${member} ended ${record.state}: ${record.reason ?? record.error ?? ""}`,
        );
      }
      const shape = await clusterShape(sandbox.info, sandbox.info.clusters[0]!);
      if (shape.names.length !== MEMBERS || shape.learners !== 0) {
        throw new Error(
          `after member ${member} the cluster has ${shape.names.length} members, ${shape.learners} learners`,
        );
      }
      samples.alertToHealthy.push(Date.parse(record.finishedAt) - posted);
      const firstStart = Math.min(...record.steps.map((s) => s.startedAt));
      samples.recovery.push(Math.max(...record.steps.map((s) => s.endedAt)) - firstStart);
      samples.floor.push(await floor.replaceMember(member));
      await new Promise((r) => setTimeout(r, ETCD_SETTLE_MS));
    }
  } finally {
    await floor.stop();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    install: summarize(samples.install),
    alertToHealthy: summarize(samples.alertToHealthy),
    recovery: summarize(samples.recovery),
    floor: summarize(samples.floor),
  };
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderHelmInCluster(result: HelmInClusterResult): string {
  const ratio = result.recovery.median / result.floor.median;
  return [
    `### The Helm-installed responder, in-cluster (${MEMBERS}-member sandbox, isolated Pods, the chart's defaults)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(
      `\`helm install --wait\` to every Pod Ready, Redis included (${result.install.runs} installs)`,
      result.install,
    ),
    summaryRow(
      "alert to healthy: notification posted to the receiver's Service to the recovery's end (succeeded, 5 voters)",
      result.alertToHealthy,
    ),
    summaryRow("the in-cluster worker's recovery: first step's start to last step's end", result.recovery),
    summaryRow(
      "floor: bare etcd steps, no Kubernetes (remove, add learner, start etcd, promote, same check)",
      result.floor,
    ),
    "",
    `Ratio of medians: ${ratio.toFixed(2)}x the floor ` +
      `(${ms(result.recovery.median)} against ${ms(result.floor.median)}). ` +
      "The worker runs in a Pod as the chart's ServiceAccount and reaches etcd by Service name through the " +
      "sandbox's Service proxy; its recovery takes the default snapshot, which the floor does not.",
  ].join("\n");
}
