import { AppsV1Api, CoreV1Api, type KubeConfig, type V1PolicyRule } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  memberOnClaim,
  type MemberOnClaim,
  moveDataToEmptyClaim,
  replaceClaimWithEmptyOne,
} from "../../support/deployment-on-claim.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { objectsOfKind, renderChart } from "../../support/helm-chart.js";
import { kubectl } from "../../support/kubectl.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { runRecover, type RecoverRun } from "../../support/recover-cli.js";
import { createRestrictedIdentity, withoutVerb, type RestrictedIdentity } from "../../support/restricted-identity.js";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { claimUid } from "../../support/statefulset-member.js";

const KEYS = 30;
const CLAIM = "example-3-data";

describe("recover: a member whose Deployment keeps its data on a PersistentVolumeClaim", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let member: MemberOnClaim;
  let chartRules: V1PolicyRule[];
  let identity: RestrictedIdentity;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    const [started, chart] = await Promise.all([startSandboxProcess({ members: 3 }), renderChart()]);
    sandbox = started;
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    // The responder runs as a ServiceAccount with the Helm chart's Role, so RBAC decides what it may do.
    chartRules = objectsOfKind(chart, "Role")[0]!.rules as V1PolicyRule[];
    identity = await createRestrictedIdentity(kc, sandbox.dir, "default", "etcd-responder", chartRules);
    member = memberOnClaim(sandbox, 3, CLAIM);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  /** Recovers member 3 and checks what every recovery must leave; answers the run. */
  async function recoverMember3(): Promise<RecoverRun> {
    const before = await clusterShape(sandbox.info, cluster());
    const run = await runRecover(sandbox, "example", 3, { kubeconfig: identity.kubeconfig });
    expect(run.code, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    // A Deployment's 11, and the claim's five: get, list, watch, create and delete.
    expect(run.stdout).toMatch(/\[permissions\] the responder may make all 16 kinds of request/);
    expect(run.stdout).toMatch(/\[verify\] 3 voting members answer .*hashKV \d+ at revision \d+ on all/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    // Only the recovered member changed identity.
    const after = await clusterShape(sandbox.info, cluster());
    for (const name of ["example1", "example2"]) expect(after.ids[name]).toBe(before.ids[name]);
    expect(after.ids.example3).not.toBe(before.ids.example3);
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: "example-3", namespace: "default" });
    const marks = Object.keys(deployment.metadata?.annotations ?? {}).filter((k) => k.startsWith("etcd.responder.io/"));
    expect(marks).toEqual([]);
    expect(deployment.spec?.template?.spec?.volumes?.find((v) => v.name === "data")?.persistentVolumeClaim).toEqual({
      claimName: CLAIM,
    });
    return run;
  }

  it('recovers a member moved to an empty claim with state new ("already bootstrapped"), keeping it', async () => {
    const outcome = await moveDataToEmptyClaim(member);
    expect(outcome, "a member started empty with state new must not join").toHaveProperty("crashLooping");
    const uid = await claimUid(kc, "default", CLAIM);

    const run = await recoverMember3();
    expect(run.stdout).toMatch(/\[diagnose\] .*has already been bootstrapped/);
    expect(run.stdout).not.toContain("PersistentVolumeClaim example-3-data (");
    expect(run.stdout).toMatch(/\[start\] set .*--initial-cluster-state=existing/);
    expect(await claimUid(kc, "default", CLAIM)).toBe(uid);
  });

  it("makes the claim again, empty, when it holds a write-ahead log the cluster does not know (tocommit)", async () => {
    // The member now runs with state existing, as after any recovery.
    await breakWithStaleLog();
    const uid = await claimUid(kc, "default", CLAIM);
    await identity.setRules(withoutVerb(chartRules, "", "persistentvolumeclaims", "create"));
    const refused = await runRecover(sandbox, "example", 3, { kubeconfig: identity.kubeconfig });
    expect(refused.code, refused.stdout).toBe(4);
    expect(refused.stdout).toMatch(
      /Refused, nothing was changed: .*create persistentvolumeclaims in namespace default/,
    );
    expect(refused.stdout).not.toContain("[lock]");
    await identity.setRules(chartRules);

    const plan = await runRecover(sandbox, "example", 3, { dryRun: true, kubeconfig: identity.kubeconfig });
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toMatch(
      /delete PersistentVolumeClaim example-3-data and make it again, empty, with the same spec \(.*tocommit/,
    );
    expect(await claimUid(kc, "default", CLAIM)).toBe(uid);

    const run = await recoverMember3();
    expect(run.stdout).toMatch(/\[diagnose\] .*tocommit\(\d+\) is out of range/);
    expect(run.stdout).toMatch(
      /\[stop\] PersistentVolumeClaim example-3-data is to be emptied before the member starts/,
    );
    expect(run.stdout).toMatch(
      new RegExp(
        "\\[start\\] deleted PersistentVolumeClaim example-3-data \\(its data dir holds a write-ahead log the " +
          "cluster no longer knows: .*tocommit\\(\\d+\\) is out of range.*\\); created it again, empty; scaled " +
          "Deployment example-3 to 1",
      ),
    );
    await expectRenewed(uid);
  });

  it("finishes emptying the claim after a run killed once it decided to, the old claim deleted meanwhile", async () => {
    await breakWithStaleLog();
    const uid = await claimUid(kc, "default", CLAIM);
    const killed = await runRecover(sandbox, "example", 3, {
      kubeconfig: identity.kubeconfig,
      killWhenOutputHas: "[stop] PersistentVolumeClaim example-3-data is to be emptied",
    });
    expect(killed.code, killed.stdout).toBeNull();
    // What the next run needs to make the claim again, whatever the Pod's log says then, is on the Deployment.
    const stopped = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: "example-3", namespace: "default" });
    const recorded = JSON.parse(stopped.metadata?.annotations?.["etcd.responder.io/renew-claim"] ?? "{}") as {
      claim?: string;
      uid?: string;
    };
    expect(recorded).toMatchObject({ claim: CLAIM, uid });
    // As if the kill had come between the delete and the create: the claim goes (once no Pod uses it).
    const deleted = await kubectl(sandbox.info.kubeconfig, "delete", "pvc", CLAIM, "--wait=false");
    expect(deleted.code, deleted.stderr).toBe(0);

    const run = await recoverMember3();
    // The log that said why is gone with the Pod: the reason comes from what the killed run recorded.
    expect(run.stdout).toMatch(
      new RegExp(
        "\\[start\\] (deleted PersistentVolumeClaim example-3-data|PersistentVolumeClaim example-3-data was deleted " +
          "by an earlier attempt) \\(its data dir holds a write-ahead log .*tocommit",
      ),
    );
    expect(run.stdout).toContain("created it again, empty");
    await expectRenewed(uid);
  });

  /** Gives member 3 an empty claim under state existing until its Pod crash-loops with a write-ahead log of its own. */
  async function breakWithStaleLog(): Promise<void> {
    // Started on an empty claim, the member takes its old ID from the cluster and panics when the leader sends what
    // it no longer has; rarely etcd lets it catch up (the leader had no progress for it), and it is emptied again.
    let crashed = false;
    for (let attempt = 1; attempt <= 3 && !crashed; attempt++) {
      crashed = "crashLooping" in (await replaceClaimWithEmptyOne(member));
    }
    expect(crashed, "the member's Pod on an empty claim crash-looped").toBe(true);
  }

  /** The claim is a new one (not `uid`), made from the old one's labels and spec. */
  async function expectRenewed(uid: string | undefined): Promise<void> {
    const claim = await kc.makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({
      name: CLAIM,
      namespace: "default",
    });
    expect(claim.metadata?.uid).toBeDefined();
    expect(claim.metadata?.uid).not.toBe(uid);
    expect(claim.metadata?.labels).toEqual({ "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "3" });
    expect(claim.spec).toMatchObject({
      storageClassName: "standard",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    });
  }
});
