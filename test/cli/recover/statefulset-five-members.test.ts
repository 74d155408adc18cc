import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom, waitForPods } from "../../support/pod-watch.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { followerPod } from "../../support/etcd-leader.js";
import { kubectl } from "../../support/kubectl.js";
import { runRecover, type RecoverRun } from "../../support/recover-cli.js";
import {
  claimUid,
  emptyClaimInPlace,
  loseMemberData,
  podIdentities,
  readStatefulSet,
  setInitialClusterStateExisting,
  statefulSetPodSelector,
} from "../../support/statefulset-member.js";

const KEYS = 25;
const PODS = ["example-0", "example-1", "example-2", "example-3", "example-4"];

/** A finalizer the test puts on a claim so it stays Terminating after its Pod is gone, until the test lets it go. */
const HOLD_FINALIZER = "test.etcd-responder.io/hold";

describe("recover: a 5-member etcd StatefulSet on PersistentVolumeClaims", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  const others = (...lost: string[]) => PODS.filter((p) => !lost.includes(p));
  const output = (run: RecoverRun) => `${run.stdout}\n${run.stderr.slice(-3000)}`;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 5 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("brings back a member whose claim and Pod were deleted, restarting no healthy Pod", async () => {
    const healthy = await podIdentities(kc, "default", others("example-3"));
    await loseMemberData(kc, "default", "example-3", "data-example-3");

    const run = await runRecover(sandbox, "example", 4);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/\[diagnose\] .*has already been bootstrapped/);
    expect(run.stdout).toMatch(/\[promote\] promoted learner example-3/);
    expect(run.stdout).toMatch(/\[verify\] 5 voting members answer/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect(await podIdentities(kc, "default", others("example-3"))).toEqual(healthy);
    expect((await readStatefulSet(kc, "default", "example")).spec?.updateStrategy?.type ?? "RollingUpdate").toBe(
      "RollingUpdate",
    );
  });

  it("recovers two lost members one at a time: the first removes both, the second only adds itself", async () => {
    const healthy = await podIdentities(kc, "default", others("example-1", "example-4"));
    await Promise.all([
      loseMemberData(kc, "default", "example-1", "data-example-1"),
      loseMemberData(kc, "default", "example-4", "data-example-4"),
    ]);

    const first = await runRecover(sandbox, "example", 2);
    expect(first.code, output(first)).toBe(0);
    const between = await clusterShape(sandbox.info, cluster());
    expect(between.names).toContain("example-1");
    expect(between.names).not.toContain("example-4");
    expect(between.names).toHaveLength(4);
    expect(between.learners).toBe(0);

    const second = await runRecover(sandbox, "example", 5);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toMatch(/\[remove\] skipped/);
    expect(second.stdout).toMatch(/\[verify\] 5 voting members answer/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect(await podIdentities(kc, "default", others("example-1", "example-4"))).toEqual(healthy);
  });

  it("empties a claim wiped in place under state existing (tocommit), also while a finalizer holds it", async () => {
    // As after bitnami's `helm upgrade`: every member restarts with state existing, which a member with data ignores.
    const core = kc.makeApiClient(CoreV1Api);
    await setInitialClusterStateExisting(sandbox.info.kubeconfig, "default", "example");
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);

    // A follower's: the leader's next heartbeat makes it panic. An emptied leader's Pod may catch up from the new
    // leader instead, having no log to contradict it.
    const pod = await followerPod(kc, sandbox.info, cluster(), ["example-2", "example-1"]);
    const claimName = `data-${pod}`;
    const healthy = await podIdentities(kc, "default", others(pod));
    const oldClaim = await claimUid(kc, "default", claimName);
    await emptyClaimInPlace(kc, "default", pod, claimName);
    const hold = await kubectl(
      sandbox.info.kubeconfig,
      "patch",
      `pvc/${claimName}`,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: ["kubernetes.io/pvc-protection", HOLD_FINALIZER] } }),
    );
    expect(hold.code, hold.stderr).toBe(0);

    const recovery = runRecover(sandbox, "example", Number(pod.split("-").pop()) + 1);
    // The recovery deleted the claim and the Pod; another finalizer keeps the claim Terminating. As Kubernetes' own
    // controller, the StatefulSet's makes no Pod on a claim being deleted: the recovery waits for the claim to go.
    await waitForPods(
      kc,
      "default",
      statefulSetPodSelector(pod),
      (pods) => (pods.length === 0 ? true : undefined),
      `Pod ${pod} gone, with its claim held`,
      60_000,
    );
    const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: "default", name: claimName });
    expect(claim.metadata?.uid).toBe(oldClaim);
    expect(claim.metadata?.deletionTimestamp).toBeDefined();
    const release = await kubectl(
      sandbox.info.kubeconfig,
      "patch",
      `pvc/${claimName}`,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: ["kubernetes.io/pvc-protection"] } }),
    );
    expect(release.code, release.stderr).toBe(0);

    const run = await recovery;
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\[diagnose\\] Pod ${pod} .*tocommit\\(\\d+\\) is out of range`));
    const start = run.stdout.split("\n").find((line) => line.startsWith("[start] "));
    expect(start).toMatch(
      new RegExp(
        `deleted PersistentVolumeClaim ${claimName} \\(its data dir holds a write-ahead log the cluster no ` +
          "longer knows: .*tocommit",
      ),
    );
    expect(await claimUid(kc, "default", claimName)).not.toBe(oldClaim);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect(await podIdentities(kc, "default", others(pod))).toEqual(healthy);
    const after = await readStatefulSet(kc, "default", "example");
    const env = after.spec?.template?.spec?.containers?.[0]?.env ?? [];
    expect(env.find((e) => e.name === "ETCD_INITIAL_CLUSTER_STATE")?.value).toBe("existing");
    expect(after.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
  });
});
