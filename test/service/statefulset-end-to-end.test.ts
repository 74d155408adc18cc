import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import { STATEFULSET_STEPS } from "../../src/recovery/context.js";
import { expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { crashLoopNotification } from "../support/crash-loop-notification.js";
import type { SandboxProcess } from "../support/sandbox-process.js";
import { waitForRecovery, type ServiceApi } from "../support/service-api.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";
import { loseMemberData, podIdentities, readStatefulSet } from "../support/statefulset-member.js";

const KEYS = 20;

describe("the service end to end on a StatefulSet: alert naming Pod example-1, queue, worker, healthy", () => {
  let stack: ServiceStack;
  let sandbox: SandboxProcess;
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    stack = await startServiceStack({ workload: "statefulset", members: 3 }, "before", KEYS);
    ({ sandbox, api, kc } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
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
