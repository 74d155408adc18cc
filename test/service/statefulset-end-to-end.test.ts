import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import { STATEFULSET_STEPS } from "../../src/recovery/context.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { crashLoopNotification } from "../support/crash-loop-notification.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { serviceApi, waitForRecovery, type ServiceApi } from "../support/service-api.js";
import { loseMemberData, podIdentities, readStatefulSet } from "../support/statefulset-member.js";

const KEYS = 20;

describe("the service end to end on a StatefulSet: alert naming Pod example-1, queue, worker, healthy", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let service: ResponderProcess;
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandboxProcess({ workload: "statefulset", members: 3 })]);
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    [service] = await Promise.all([
      startResponder({
        mode: "all",
        config: join(sandbox.dir, "responder.yaml"),
        redisURL: redis.url,
        env: { KUBECONFIG: sandbox.info.kubeconfig },
      }),
      writeKeys(sandbox.info, cluster(), "before", KEYS),
    ]);
    api = serviceApi(service.url);
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it("maps the Pod to member 2 and recovers it through every StatefulSet step", async () => {
    const healthy = await podIdentities(kc, "default", ["example-0", "example-2"]);
    await loseMemberData(kc, "default", "example-1", "data-example-1");

    const answer = await api.post(
      "/v1/alerts",
      crashLoopNotification([{ namespace: "default", pod: "example-1", fingerprint: "9a1c2a9be07d3c62" }]),
    );
    expect(answer.status).toBe(202);
    const [queued] = (answer.body as AlertsAnswer).enqueued;
    assert.isDefined(queued);
    expect(queued).toMatchObject({ cluster: "example", namespace: "default", member: 2 });

    const record = await waitForRecovery(api, queued.id);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.steps.map((s) => s.name)).toEqual([...STATEFULSET_STEPS]);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const set = await readStatefulSet(kc, "default", "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    expect(await podIdentities(kc, "default", ["example-0", "example-2"])).toEqual(healthy);
  });
});
