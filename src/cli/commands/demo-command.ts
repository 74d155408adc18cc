import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Etcd3 } from "etcd3";
import { startSandbox, type Sandbox } from "../../sandbox/sandbox.js";
import { createLogger } from "../../observability/logger.js";
import { createKubernetesGateway } from "../../gateways/kubernetes/index.js";
import { crashLoopNotification } from "../../demo/alertmanager-notification.js";
import { startChildService, waitForService, type ChildService } from "../../demo/child-service.js";
import { freePort } from "../../util/free-port.js";
import { podTable } from "../../demo/pod-table.js";
import type { RecoveryRecord } from "../../queue/recovery-queue.js";
import { parseOptions } from "../parse-options.js";
import { ProcessGuard } from "../../sandbox/process-guard/process-guard.js";

export const DEMO_USAGE = "etcd-responder demo [--dir DIR] [--keep]";

const MEMBER = 3;
const FINAL_STATES = new Set(["succeeded", "skipped", "refused", "failed"]);

/**
 * The README's demo: Redis, a sandbox with the 5-member example cluster and the responder; member 3 is
 * broken the seed's way (its Pod deleted), Alertmanager's notification is delivered, and the recovery is
 * shown step by step until the cluster is healthy. With --keep everything stays up until Ctrl-C.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const values = parseOptions("demo", argv, { dir: { type: "string" }, keep: { type: "boolean" } });
  const dir = resolve(values.dir ?? ".sandbox-demo");
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const say = (line = "") => process.stdout.write(`${line}\n`);
  const services: ChildService[] = [];
  let sandbox: Sandbox | undefined;
  // Redis and the responder die with the demo, even a killed one; the sandbox guards its own processes.
  const guard = await ProcessGuard.start();
  const cleanUp = async () => {
    for (const service of services.splice(0).reverse()) await service.stop();
    await sandbox?.stop();
    await guard.close();
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
    say("1. Redis, for the responder's queue");
    const redisPort = await freePort();
    const redis = startChildService(
      "redis-server",
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      guard,
    );
    services.push(redis);
    await waitForService(redis, "Redis to accept connections", async () =>
      redis.output().includes("Ready to accept connections"),
    );

    say("2. The sandbox: a Kubernetes-compatible API server and 5 real etcd members");
    sandbox = await startSandbox({ dir, logger });
    const kubeconfig = sandbox.info.kubeconfig;
    const cluster = sandbox.info.clusters[0]!;
    say(`   kubectl --kubeconfig ${kubeconfig} get pods`);

    say("3. The responder (receiver and worker in one process)");
    const [port, workerPort] = [await freePort(), await freePort()];
    const token = randomBytes(16).toString("hex");
    const url = `http://127.0.0.1:${port}`;
    const responder = startChildService(
      "etcd-responder",
      process.execPath,
      [...process.execArgv, process.argv[1]!, "all", "--config", join(dir, "responder.yaml")],
      guard,
      {
        ...process.env,
        KUBECONFIG: kubeconfig,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PORT: String(port),
        WORKER_PORT: String(workerPort),
        AUTH_TOKEN: token,
        LOG_LEVEL: "warn",
      },
    );
    services.push(responder);
    await waitForService(responder, "the responder to be ready", async () => (await fetch(`${url}/readyz`)).ok);
    say(`   ${url} (webhook POST /v1/alerts, bearer token required)`);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const kubernetes = createKubernetesGateway({ kubeConfig: kc, logger });
    const etcd = new Etcd3({ hosts: cluster.members.map((m) => m.clientURL) });
    try {
      await etcd.put("demo/written-before-the-failure").value("still here");
      say();
      say(`4. Break member ${MEMBER} as the seed does: delete its Pod; the new one starts with an empty data dir`);
      const selector = `etcd.responder.io/cluster=${cluster.name},etcd.responder.io/member=${MEMBER}`;
      const before = await kubernetes.listPods(cluster.namespace, selector);
      for (const pod of before.pods)
        await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: cluster.namespace });
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
      say(
        indent(
          podTable((await kubernetes.listPods(cluster.namespace, `etcd.responder.io/cluster=${cluster.name}`)).pods),
        ),
      );

      say();
      say("5. Alertmanager's notification (KubePodCrashLooping) arrives at the webhook");
      const delivered = await fetch(`${url}/v1/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(crashLoopNotification(cluster.namespace, crashing.metadata!.name!)),
      });
      const answer = (await delivered.json()) as { enqueued?: { id: string }[]; error?: string };
      say(`   ${delivered.status} ${JSON.stringify(answer)}`);
      const id = answer.enqueued?.[0]?.id;
      if (!id) throw new Error(`the webhook queued nothing: ${JSON.stringify(answer)}`);

      say();
      say(`6. The recovery ${id}, step by step`);
      const record = await follow(url, token, id, say);
      if (record.state !== "succeeded")
        throw new Error(`the recovery ended ${record.state}: ${record.reason ?? record.error ?? ""}`);

      say();
      say("7. Healthy again");
      const { members } = await etcd.cluster.memberList({ linearizable: true });
      for (const m of members.sort((a, b) => a.name.localeCompare(b.name))) {
        say(`   member ${m.name} ${m.peerURLs.join(",")} ${m.isLearner ? "learner" : "voter"}`);
      }
      say(`   key written before the failure: ${await etcd.get("demo/written-before-the-failure").string()}`);
      say(
        indent(
          podTable((await kubernetes.listPods(cluster.namespace, `etcd.responder.io/cluster=${cluster.name}`)).pods),
        ),
      );
    } finally {
      etcd.close();
    }
    shown = true;
    if (values.keep) {
      say();
      say(
        `Everything keeps running: kubectl --kubeconfig ${kubeconfig} ...; the webhook token is ${token}. Ctrl-C stops it.`,
      );
      await new Promise<never>(() => undefined);
    }
    return 0;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await cleanUp();
  }
}

/** Prints each step of the recovery once as it ends, until the recovery reaches a final state. */
async function follow(url: string, token: string, id: string, say: (line: string) => void): Promise<RecoveryRecord> {
  const printed = new Set<string>();
  let state = "";
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const response = await fetch(`${url}/v1/recoveries/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const record = (await response.json()) as RecoveryRecord;
    for (const step of record.steps ?? []) {
      const key = `${step.name}@${step.startedAt}`;
      if (printed.has(key)) continue;
      printed.add(key);
      say(`   [${step.name}] ${step.outcome}: ${step.detail}`);
    }
    if (record.state !== state) {
      state = record.state;
      say(`   state: ${state}`);
    }
    if (FINAL_STATES.has(record.state)) return record;
    if (Date.now() > deadline)
      throw new Error(`the recovery ${id} did not finish within 5 minutes (state ${record.state})`);
    // The record changes as the worker reports; there is no push channel to it, so ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `   ${line}`)
    .join("\n");
}
