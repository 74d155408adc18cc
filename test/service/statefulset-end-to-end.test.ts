import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { STATEFULSET_STEPS } from "../../src/recovery/context.js";
import { expectEqualHashKV, expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { crashLoopNotification } from "../support/crash-loop-notification.js";
import { followerPod } from "../support/etcd-leader.js";
import { statefulSetWorld } from "../support/refusal-checks.js";
import type { SandboxProcess } from "../support/sandbox-process.js";
import { alertCrashLoops, isFinal, waitForRecovery, type ServiceApi } from "../support/service-api.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";
import {
  claimUid,
  crashWithBadSetting,
  emptyClaimInPlace,
  loseMemberData,
  podIdentities,
  readStatefulSet,
  setInitialClusterStateExisting,
} from "../support/statefulset-member.js";

const KEYS = 20;

describe("the service end to end on a 3-member etcd StatefulSet: alert naming a Pod, queue, worker, outcome", () => {
  let stack: ServiceStack;
  let sandbox: SandboxProcess;
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  const world = () => statefulSetWorld(kc, sandbox.info, cluster());

  beforeAll(async () => {
    stack = await startServiceStack({ workload: "statefulset", members: 3 }, "before", KEYS);
    ({ sandbox, api, kc } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Alerts on `pod` and resolves with its recovery's record once it has ended. */
  async function recoverThroughAlert(pod: string): Promise<RecoveryRecord> {
    const [queued] = await alertCrashLoops(api, [pod]);
    return waitForRecovery(api, queued!.id, isFinal, 120_000);
  }

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

  it("refuses a crash that is not lost data, quoting the log line, and changes nothing", async () => {
    const putRight = await crashWithBadSetting(kc, "default", "example", "example-2");
    const before = await world();

    const record = await recoverThroughAlert("example-2");
    expect(record.state, JSON.stringify(record)).toBe("refused");
    expect(record.reason).toMatch(/shows no sign of lost data.*last log line: .*ETCD_HEARTBEAT_INTERVAL/);
    expect(await world()).toEqual(before);

    await putRight();
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("empties a claim wiped in place under state existing (tocommit)", async () => {
    await setInitialClusterStateExisting(sandbox.info.kubeconfig, "default", "example");
    // The leader remembers how far each follower got: its next heartbeat makes an emptied follower panic. An emptied
    // leader is followed by a new one that remembers nothing, and the member catches up instead.
    const pod = await followerPod(kc, sandbox.info, cluster(), ["example-2", "example-1"]);
    const claim = `data-${pod}`;
    const others = ["example-0", "example-1", "example-2"].filter((p) => p !== pod);
    const healthy = await podIdentities(kc, "default", others);
    const oldClaim = await claimUid(kc, "default", claim);
    await emptyClaimInPlace(kc, "default", pod, claim);

    const record = await recoverThroughAlert(pod);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    const detail = (step: string) => record.steps.find((s) => s.name === step)?.detail;
    expect(detail("diagnose")).toMatch(new RegExp(`Pod ${pod} .*tocommit\\(\\d+\\) is out of range`));
    expect(detail("start")).toMatch(
      new RegExp(
        `deleted PersistentVolumeClaim ${claim} \\(its data dir holds a write-ahead log the cluster no ` +
          "longer knows: .*tocommit",
      ),
    );
    expect(await claimUid(kc, "default", claim)).not.toBe(oldClaim);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
    expect(await podIdentities(kc, "default", others)).toEqual(healthy);
    const set = await readStatefulSet(kc, "default", "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    const env = set.spec?.template?.spec?.containers?.[0]?.env ?? [];
    expect(env.find((e) => e.name === "ETCD_INITIAL_CLUSTER_STATE")?.value).toBe("existing");
  });
});
