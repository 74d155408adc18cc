import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, type KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import {
  isCrashLooping,
  isReady,
  kubeConfigFrom,
  memberSelector,
  takeMemberDown,
  waitForPods,
} from "../../support/pod-watch.js";
import {
  addLearnerByHand,
  clusterShape,
  removeMemberByHand,
  withMember,
  writeKeys,
  expectHealthyCluster,
} from "../../support/etcd-cluster-checks.js";
import { breakUntilCrashLooping } from "../../support/crash-looping-member.js";
import { runRecover } from "../../support/recover-cli.js";

const KEYS = 25;

describe("recover: refusals, stray members and lost quorum", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let apps: AppsV1Api;
  const cluster = () => sandbox.info.clusters[0]!;

  /** Changes the etcd container's args of member `index`'s Deployment; returns the Deployment as it was. */
  async function changeArgs(index: number, change: (args: string[]) => string[]): Promise<V1Deployment> {
    const name = `example-${index}`;
    // Read-modify-write: the controllers write the Deployment's status in between, so a 409 means read again.
    for (let attempt = 1; ; attempt++) {
      const before = await apps.readNamespacedDeployment({ name, namespace: "default" });
      const body = structuredClone(before);
      const container = body.spec!.template.spec!.containers[0]!;
      container.args = change(container.args ?? []);
      try {
        await apps.replaceNamespacedDeployment({ name, namespace: "default", body });
        return before;
      } catch (error) {
        if ((error as { code?: number }).code !== 409 || attempt === 5) throw error;
      }
    }
  }

  /**
   * Makes member `index` a Running etcd that is not part of the cluster: removed from it, then restarted as
   * a cluster of its own.
   */
  async function makeStray(index: number): Promise<void> {
    const member = cluster().members[index - 1]!;
    await removeMemberByHand(sandbox.info, cluster(), member.peerURL);
    await changeArgs(index, (args) =>
      args.map((a) =>
        a.startsWith("--initial-cluster=")
          ? `--initial-cluster=example${index}=${member.peerURL}`
          : a.startsWith("--initial-cluster-token=")
            ? "--initial-cluster-token=stray"
            : a.startsWith("--initial-cluster-state=")
              ? "--initial-cluster-state=new"
              : a,
      ),
    );
    await waitForPods(
      kc,
      "default",
      memberSelector("example", index),
      (pods) => (pods.length === 1 && pods.every(isReady) ? true : undefined),
      `stray member ${index} Running and Ready`,
    );
    const stray = await withMember(sandbox.info, member.clientURL, (client) => client.cluster.memberList({}));
    expect(stray.members).toHaveLength(1);
  }

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    apps = kc.makeApiClient(AppsV1Api);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("refuses a member crash-looping for another reason (bad flag), quotes the log line, changes nothing", async () => {
    const original = await changeArgs(4, (args) => [...args, "--no-such-flag"]);
    await waitForPods(
      kc,
      "default",
      memberSelector("example", 4),
      (pods) => (pods.some(isCrashLooping) ? true : undefined),
      "member 4 crash-looping on the bad flag",
    );
    const before = await clusterShape(sandbox.info, cluster());
    const generation = (await apps.readNamespacedDeployment({ name: "example-4", namespace: "default" })).metadata
      ?.generation;

    const run = await runRecover(sandbox, "example", 4);
    expect(run.code).toBe(4);
    const last = run.stdout.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^Refused, nothing was changed: /);
    expect(last).toContain("no-such-flag");
    expect(await clusterShape(sandbox.info, cluster())).toEqual(before);
    const after = await apps.readNamespacedDeployment({ name: "example-4", namespace: "default" });
    expect(after.metadata?.generation).toBe(generation);
    expect(after.spec?.replicas).toBe(1);

    // A human fixes the flag; the member then needs the real recovery.
    await changeArgs(4, () => original.spec!.template.spec!.containers[0]!.args!);
    await waitForPods(
      kc,
      "default",
      memberSelector("example", 4),
      (pods) => (pods.some(isCrashLooping) ? true : undefined),
      "member 4 crash-looping on lost data",
    );
    const fixed = await runRecover(sandbox, "example", 4);
    expect(fixed.code, fixed.stdout + fixed.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("recovers a member whose Pod is Running but is not in the member list", async () => {
    await makeStray(3);
    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("does not take the first Running Pod for a cluster member when it is a stray", async () => {
    await makeStray(1);
    await breakUntilCrashLooping(kc, "default", "example", 2);
    const two = await runRecover(sandbox, "example", 2);
    expect(two.code, two.stdout + two.stderr.slice(-2000)).toBe(0);
    const one = await runRecover(sandbox, "example", 1);
    expect(one.code, one.stdout + one.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("refuses with exit 4 and changes nothing while etcd lists a member the configuration does not have", async () => {
    // A learner someone added by hand at an address of the sandbox's block that no member uses.
    const strangerURL = cluster().members[0]!.peerURL.replace(/\.1:2380$/, ".99:2380");
    const strangerId = await addLearnerByHand(sandbox.info, cluster(), strangerURL);
    await breakUntilCrashLooping(kc, "default", "example", 2);
    const before = await clusterShape(sandbox.info, cluster());
    expect(before.peerURLs).toContain(strangerURL);

    const run = await runRecover(sandbox, "example", 2);
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(4);
    const last = run.stdout.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^Refused, nothing was changed: etcd lists member /);
    expect(last).toContain(BigInt(strangerId).toString(16));
    expect(last).toContain("which the configuration of default/example does not have");
    expect(await clusterShape(sandbox.info, cluster())).toEqual(before);

    // Once it is gone, the same recovery goes through.
    await removeMemberByHand(sandbox.info, cluster(), strangerURL);
    const fixed = await runRecover(sandbox, "example", 2);
    expect(fixed.code, fixed.stdout + fixed.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("refuses with exit 4 and changes nothing when three of five members are down", async () => {
    const before = await clusterShape(sandbox.info, cluster());
    // Scaled down rather than crash-looping: a member started before with `existing` may catch up on its own.
    await Promise.all([1, 2, 3].map((i) => takeMemberDown(kc, "default", "example", i)));
    const specs = async () =>
      Promise.all(
        [1, 2, 3].map(
          async (i) => (await apps.readNamespacedDeployment({ name: `example-${i}`, namespace: "default" })).spec,
        ),
      );
    const specsBefore = await specs();
    const run = await runRecover(sandbox, "example", 1);
    expect(run.code).toBe(4);
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/^Refused, nothing was changed: .*quorum is lost.*snapshot/);
    // The survivors still list every member (a member-local read: without quorum nothing else answers).
    const survivor = cluster().members[4]!;
    const list = await withMember(sandbox.info, survivor.clientURL, (client) =>
      client.cluster.memberList({ linearizable: false }),
    );
    expect(Object.fromEntries(list.members.map((m) => [m.name || "", String(m.ID)]))).toMatchObject(
      Object.fromEntries(
        Object.entries(before.ids).filter(([name]) => !["example1", "example2", "example3"].includes(name)),
      ),
    );
    expect(list.members.map((m) => String(m.ID)).sort()).toEqual(Object.values(before.ids).sort());
    expect(await specs()).toEqual(specsBefore);
  });
});
