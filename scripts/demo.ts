// The demo: the etcd sandbox with the 5-member example cluster, and the responder installed into it with
// `helm install ./chart` and the chart's defaults (receiver, worker and Redis in Pods, under the chart's RBAC);
// member 3 is broken the seed's way (its Pod deleted), Alertmanager's notification is delivered to the
// receiver's Service, and the recovery is shown step by step, as `etcd-responder enqueue` shows it, until the
// cluster is healthy again. It needs isolated Pods (root, as `bash scripts/dev.sh` is run): the chart's
// Service-name URLs resolve only through the cluster DNS of isolated Pods. With --keep everything stays up
// until Ctrl-C.
//   bash scripts/dev.sh demo        or        npm run demo -- [--dir DIR] [--keep]
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { Etcd3 } from "etcd3";
import { createLogger } from "kube-sandbox";
import { parseOptions, UsageError } from "../src/cli/options.js";
import { createKubernetesGateway } from "../src/gateways/kubernetes/kubernetes-gateway.js";
import { createRecoveriesClient, createRecoveryPrinter, followRecovery } from "../src/cli/service-client.js";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { startEtcdSandbox, type EtcdSandbox } from "../test/support/etcd-sandbox.js";
import { runHelm } from "../test/support/helm-chart.js";
import { releaseReceiver, type ReleaseReceiver } from "../test/support/release-receiver.js";

const MEMBER = 3;

async function demo(argv: string[]): Promise<number> {
  const values = parseOptions("demo", argv, {
    dir: { type: "string" },
    keep: { type: "boolean" },
  });
  const dir = resolve(values.dir ?? ".sandbox-demo");
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const say = (line = "") => process.stdout.write(`${line}\n`);
  let sandbox: EtcdSandbox | undefined;
  // The sandbox guards its own processes, the responder's Pods included.
  const cleanUp = async () => {
    await sandbox?.stop();
  };
  let shown = false;
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping everything the demo started`);
    // After the demo has been shown (--keep), Ctrl-C is the expected end.
    void cleanUp().finally(() => process.exit(shown ? 0 : 130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    say("1. The sandbox: a Kubernetes-compatible API server and 5 real etcd members");
    sandbox = await startEtcdSandbox({ dir, logger, isolation: "namespaces" });
    const { kubeconfig } = sandbox.info;
    const cluster = sandbox.info.clusters[0]!;
    say(`   kubectl --kubeconfig ${kubeconfig} get pods`);

    const { url, token } = await installWithHelm(kubeconfig, dir, say);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const kubernetes = createKubernetesGateway({ kubeConfig: kc, logger });
    const clusterPods = async () =>
      podTable((await kubernetes.listPods(cluster.namespace, `etcd.responder.io/cluster=${cluster.name}`)).pods);
    const etcd = new Etcd3({ hosts: cluster.members.map((m) => m.clientURL) });
    try {
      await etcd.put("demo/written-before-the-failure").value("still here");
      say();
      say(`3. Break member ${MEMBER} as the seed does: delete its Pod; the new one starts with an empty data dir`);
      const selector = `etcd.responder.io/cluster=${cluster.name},etcd.responder.io/member=${MEMBER}`;
      const before = await kubernetes.listPods(cluster.namespace, selector);
      for (const pod of before.pods) {
        await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: cluster.namespace });
      }
      const old = new Set(before.pods.map((p) => p.metadata?.name));
      const crashing = await kubernetes.waitForPods(
        cluster.namespace,
        selector,
        (pods) =>
          pods.find(
            (p) =>
              !old.has(p.metadata?.name) &&
              p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff",
          ),
        `the new Pod of member ${MEMBER} to crash-loop`,
        30_000,
      );
      say(indent(await clusterPods()));

      say();
      say("4. Alertmanager's notification (KubePodCrashLooping) arrives at the webhook");
      const notification = crashLoopNotification([{ namespace: cluster.namespace, pod: crashing.metadata!.name! }]);
      const delivered = await fetch(`${url}/v1/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(notification),
      });
      const answer = (await delivered.json()) as { enqueued?: { id: string }[]; error?: string };
      say(`   ${delivered.status} ${JSON.stringify(answer)}`);
      const id = answer.enqueued?.[0]?.id;
      if (!id) throw new Error(`the webhook queued nothing: ${JSON.stringify(answer)}`);

      say();
      say(`5. The recovery ${id}, step by step`);
      const printer = createRecoveryPrinter((line) => say(`   ${line}`));
      const client = createRecoveriesClient({ baseUrl: url, authorization: `Bearer ${token}` });
      const record = await followRecovery({ client, id, onRecord: (r) => printer.show(r), timeoutMs: 5 * 60_000 });
      if (record.state !== "succeeded") {
        throw new Error(`the recovery ended ${record.state}: ${record.reason ?? record.error ?? ""}`);
      }

      say();
      say("6. Healthy again");
      const { members } = await etcd.cluster.memberList({ linearizable: true });
      for (const m of members.sort((a, b) => a.name.localeCompare(b.name))) {
        say(`   member ${m.name} ${m.peerURLs.join(",")} ${m.isLearner ? "learner" : "voter"}`);
      }
      say(`   key written before the failure: ${await etcd.get("demo/written-before-the-failure").string()}`);
      say(indent(await clusterPods()));
    } finally {
      etcd.close();
    }
    shown = true;
    if (values.keep) {
      say();
      say(`Everything keeps running: kubectl --kubeconfig ${kubeconfig} ...; the webhook token is ${token}.`);
      say("Ctrl-C stops it.");
      await new Promise<never>(() => undefined);
    }
    return 0;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await cleanUp();
  }
}

/**
 * `helm install` of the chart with its defaults, waiting until every Pod is Ready: the receiver is then reached
 * at its Service's cluster IP, with the token the chart generated into its Secret.
 */
async function installWithHelm(
  kubeconfig: string,
  dir: string,
  say: (line?: string) => void,
): Promise<ReleaseReceiver> {
  const release = "etcd-responder";
  const args = ["install", release, "chart", "--namespace", "default", "--wait", "--timeout", "180s"];
  say("2. The responder, installed with its Helm chart (receiver, worker and Redis in Pods, the chart's RBAC)");
  say(`   helm ${args.join(" ")}`);
  const install = await runHelm(["--kubeconfig", kubeconfig, ...args], join(dir, "helm"), 240_000);
  if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr.trim()}`);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const labelSelector = `app.kubernetes.io/instance=${release}`;
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "default", labelSelector });
  say(indent(podTable(pods.items)));
  const receiver = await releaseReceiver(kc, release, "default");
  say(`   ${receiver.url} (the receiver's Service; webhook POST /v1/alerts, bearer token from Secret ${release}-auth)`);
  return receiver;
}

/** Pods as `kubectl get pods` shows them: NAME, READY, STATUS, RESTARTS. */
function podTable(pods: V1Pod[]): string {
  const rows = pods
    .map((pod) => {
      const containers = pod.status?.containerStatuses ?? [];
      const ready = `${containers.filter((c) => c.ready).length}/${pod.spec?.containers.length ?? containers.length}`;
      const reason = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
      const status = pod.metadata?.deletionTimestamp ? "Terminating" : (reason ?? pod.status?.phase ?? "Unknown");
      const restarts = String(containers.reduce((sum, c) => sum + c.restartCount, 0));
      return [pod.metadata?.name ?? "", ready, status, restarts];
    })
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
  const table = [["NAME", "READY", "STATUS", "RESTARTS"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)) + 3);
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `   ${line}`)
    .join("\n");
}

demo(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
