import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { breakMember, kubeConfigFrom } from "../support/pod-watch.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { serviceApi, stepWindow, waitForRecovery } from "../support/service-api.js";

const KEYS = 20;

describe("two worker processes and a receiver", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const services: ResponderProcess[] = [];

  beforeAll(async () => {
    // Two members of example-a are broken at once: five members keep a quorum while two are down.
    [redis, sandbox] = await Promise.all([startRedis(), startSandboxProcess({ clusters: 2, members: 5 })]);
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await Promise.all(sandbox.info.clusters.map((cluster) => writeKeys(sandbox.info, cluster, "before", KEYS)));
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await sandbox?.stop();
    await redis?.stop();
  });

  it("recover two members of one cluster one after the other, and another cluster's member meanwhile", async () => {
    const config = join(sandbox.dir, "responder.yaml");
    const options = { config, redisURL: redis.url, env: { KUBECONFIG: sandbox.info.kubeconfig } };
    const started = Promise.all([
      startResponder({ ...options, mode: "serve" }),
      startResponder({ ...options, mode: "worker" }),
      startResponder({ ...options, mode: "worker" }),
    ]);
    const broken = Promise.all([
      breakMember(kc, "default", "example-a", 2),
      breakMember(kc, "default", "example-a", 4),
      breakMember(kc, "default", "example-b", 3),
    ]);
    const [processes, pods] = await Promise.all([started, broken]);
    services.push(...processes);
    const [receiver] = processes;
    const api = serviceApi(receiver.url);

    const targets = [
      { deployment: "example-a-2", pod: pods[0] },
      { deployment: "example-a-4", pod: pods[1] },
      { deployment: "example-b-3", pod: pods[2] },
    ];
    const notification = crashLoopNotification(
      targets.map((t, i) => ({
        namespace: "default",
        pod: t.pod ?? conventionalPodName(t.deployment),
        fingerprint: `f${i}0c1d2e3f4a5b6c7`,
      })),
    );
    const answer = await api.post("/v1/alerts", notification);
    expect(answer.status).toBe(202);
    const { enqueued } = answer.body as AlertsAnswer;
    expect(enqueued).toHaveLength(3);

    const records: RecoveryRecord[] = await Promise.all(enqueued.map((e) => waitForRecovery(api, e.id)));
    for (const record of records) expect(record.state, JSON.stringify(record)).toBe("succeeded");

    const a = records
      .filter((r) => r.cluster === "example-a")
      .map(stepWindow)
      .sort((x, y) => x.from - y.from);
    const [b] = records.filter((r) => r.cluster === "example-b").map(stepWindow);
    expect(a).toHaveLength(2);
    expect(a[0]!.to, "the two recoveries of example-a overlapped").toBeLessThanOrEqual(a[1]!.from);
    expect(
      a.some((w) => w.from < b!.to && b!.from < w.to),
      "example-b was recovered while example-a was",
    ).toBe(true);

    for (const cluster of sandbox.info.clusters) await expectHealthyCluster(sandbox, cluster, "before", KEYS);
  });
});
