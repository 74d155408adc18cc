import { briefRequest } from "../support/in-memory-queue.js";
import type { V1Deployment, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import type { ClusterMode, ResolvedCluster } from "../../src/core/config/types.js";
import { createLogger } from "../../src/core/logger.js";
import type { EnqueueResult, RecoveryRequest } from "../../src/queue/recovery-queue.js";
import { matchesRequirements, parseLabelSelector } from "kube-sandbox";
import { createCrashLoopSweep, crashLoopingContainer, judgeMember } from "../../src/intake/sweep.js";
import { asPromise } from "../support/as-promise.js";
import { generatedLabels, memberDeployment, memberPod } from "../support/member-objects.js";

const config = parseConfig(
  [
    "clusters:",
    "  - { name: example, members: 3 }",
    "  - { name: other, members: 1 }",
    "recovery: { deadAfterSeconds: 5 }",
    "",
  ].join("\n"),
  "test.yaml",
);
const logger = createLogger({ level: "silent" });

/** Deployments and Pods in memory, answering label selectors as the API server does; counts the Pod lists. */
function fakeKubernetes() {
  const deployments = new Map<string, V1Deployment>();
  const statefulSets = new Map<string, V1StatefulSet>();
  const pods: V1Pod[] = [];
  const lists: string[] = [];
  let failFor: string | undefined;
  return {
    deployments,
    statefulSets,
    pods,
    lists,
    failListsIn: (namespace: string) => (failFor = namespace),
    readDeployment: (namespace: string, name: string) => Promise.resolve(deployments.get(`${namespace}/${name}`)),
    readStatefulSet: (namespace: string, name: string) => Promise.resolve(statefulSets.get(`${namespace}/${name}`)),
    listPods: (namespace: string, labelSelector: string) =>
      asPromise(() => {
        lists.push(labelSelector);
        if (failFor === namespace) throw new Error("the API server did not answer");
        const requirements = parseLabelSelector(labelSelector);
        return {
          pods: pods.filter(
            (p) => p.metadata?.namespace === namespace && matchesRequirements(p.metadata?.labels, requirements),
          ),
          resourceVersion: "1",
        };
      }),
  };
}

/** A queue that joins requests for a member already queued, as the real one does. */
function fakeQueue() {
  const requests: RecoveryRequest[] = [];
  return {
    requests,
    enqueue: (request: RecoveryRequest): Promise<EnqueueResult> => {
      const { cluster, member } = request.target;
      const earlier = requests.findIndex((r) => r.target.cluster === cluster && r.target.member === member);
      requests.push(request);
      const index = earlier >= 0 ? earlier : requests.length - 1;
      return Promise.resolve({
        id: `r${index}`,
        cluster: cluster.name,
        namespace: cluster.namespace,
        member: member.index,
        deduplicated: earlier >= 0,
      });
    },
  };
}

function fakeModes(modes: Record<string, ClusterMode> = {}) {
  return {
    get: ({ namespace, name }: ResolvedCluster) =>
      Promise.resolve({
        cluster: name,
        namespace,
        mode: modes[name] ?? "act",
        source: "config" as const,
      }),
  };
}

/** A healthy `example` (3 members) and `other` (1 member), every member with its Deployment and Ready Pod. */
function healthyWorld() {
  const kubernetes = fakeKubernetes();
  for (const [cluster, members] of [
    ["example", 3],
    ["other", 1],
  ] as const) {
    for (let index = 1; index <= members; index++) {
      kubernetes.deployments.set(
        `default/${cluster}-${index}`,
        memberDeployment(`${cluster}-${index}`, cluster, index),
      );
      kubernetes.pods.push(memberPod(`${cluster}-${index}-5d8f7c9b6a-aaaa${index}`, generatedLabels(cluster, index)));
    }
  }
  return kubernetes;
}

describe("the crash-loop sweep", () => {
  it("queues a recovery of a crash-looping member, listing each cluster's Pods once", async () => {
    const kubernetes = healthyWorld();
    kubernetes.pods[1] = memberPod("example-2-5d8f7c9b6a-bbbb2", generatedLabels("example", 2), {
      waiting: "CrashLoopBackOff",
    });
    const queue = fakeQueue();
    const sweep = createCrashLoopSweep({ config, kubernetes, modes: fakeModes(), queue, logger });

    const report = await sweep.sweep();
    expect(queue.requests.map(briefRequest)).toEqual([
      {
        cluster: "example",
        namespace: "default",
        member: 2,
        trigger: { kind: "sweep", pod: "example-2-5d8f7c9b6a-bbbb2" },
      },
    ]);
    expect(report).toEqual({
      requested: [{ id: "r0", cluster: "example", namespace: "default", member: 2, deduplicated: false }],
      paused: [],
      failed: [],
    });
    expect(kubernetes.lists.sort()).toEqual(["etcd.responder.io/cluster=example", "etcd.responder.io/cluster=other"]);

    // Still crash-looping at the next sweep: the request joins the queued recovery.
    expect((await sweep.sweep()).requested).toEqual([expect.objectContaining({ id: "r0", deduplicated: true })]);
  });

  it("reads a StatefulSet cluster's Pods with one list, and queues the member whose Pod crash-loops", async () => {
    const stsConfig = parseConfig("clusters:\n  - { name: kv, members: 3, statefulSet: {} }\n", "test.yaml");
    const kubernetes = fakeKubernetes();
    const selector = { matchLabels: { "app.kubernetes.io/instance": "kv" } };
    kubernetes.statefulSets.set("default/kv", { metadata: { name: "kv" }, spec: { replicas: 3, selector } as never });
    for (const ordinal of [0, 1, 2]) {
      const labels = { "app.kubernetes.io/instance": "kv", "statefulset.kubernetes.io/pod-name": `kv-${ordinal}` };
      kubernetes.pods.push(memberPod(`kv-${ordinal}`, labels, ordinal === 1 ? { waiting: "CrashLoopBackOff" } : {}));
    }
    const queue = fakeQueue();
    const sweep = createCrashLoopSweep({ config: stsConfig, kubernetes, modes: fakeModes(), queue, logger });

    await sweep.sweep();
    expect(queue.requests.map(briefRequest)).toEqual([
      { cluster: "kv", namespace: "default", member: 2, trigger: { kind: "sweep", pod: "kv-1" } },
    ]);
    expect(kubernetes.lists).toEqual(["app.kubernetes.io/instance=kv"]);
  });

  it("finds the Pods of a Deployment that selects by labels of its own", async () => {
    const kubernetes = healthyWorld();
    const own = { app: "legacy-etcd", peer: "three" };
    kubernetes.deployments.set("default/example-3", memberDeployment("example-3", "example", 3, { selector: own }));
    kubernetes.pods[2] = memberPod("example-3-5d8f7c9b6a-cccc3", own, { waiting: "CrashLoopBackOff" });
    const queue = fakeQueue();

    await createCrashLoopSweep({ config, kubernetes, modes: fakeModes(), queue, logger }).sweep();
    expect(queue.requests.map(briefRequest)).toEqual([
      expect.objectContaining({
        cluster: "example",
        member: 3,
        trigger: { kind: "sweep", pod: "example-3-5d8f7c9b6a-cccc3" },
      }),
    ]);
    expect(kubernetes.lists).toContain("app=legacy-etcd,peer=three");
  });

  it("skips paused clusters and sweeps those in observe mode", async () => {
    const kubernetes = healthyWorld();
    kubernetes.pods[0] = memberPod("example-1-5d8f7c9b6a-dddd1", generatedLabels("example", 1), {
      waiting: "CrashLoopBackOff",
    });
    kubernetes.pods[3] = memberPod("other-1-5d8f7c9b6a-eeee1", generatedLabels("other", 1), {
      waiting: "CrashLoopBackOff",
    });
    const queue = fakeQueue();

    const report = await createCrashLoopSweep({
      config,
      kubernetes,
      modes: fakeModes({ example: "paused", other: "observe" }),
      queue,
      logger,
    }).sweep();
    expect(report.paused).toEqual(["default/example"]);
    expect(queue.requests.map((r) => r.target.cluster.name)).toEqual(["other"]);
    expect(kubernetes.lists).toEqual(["etcd.responder.io/cluster=other"]);
  });

  it("queues a member whose Deployment has had no Pod for longer than deadAfterSeconds", async () => {
    const kubernetes = healthyWorld();
    kubernetes.pods.splice(2, 1);
    const queue = fakeQueue();
    let now = 1_000_000;
    const sweep = createCrashLoopSweep({ config, kubernetes, modes: fakeModes(), queue, logger, now: () => now });

    await sweep.sweep();
    now += 5000;
    await sweep.sweep();
    expect(queue.requests).toEqual([]);
    now += 1;
    await sweep.sweep();
    expect(queue.requests.map(briefRequest)).toEqual([
      { cluster: "example", namespace: "default", member: 3, trigger: { kind: "sweep" } },
    ]);
  });

  it("starts counting again when a missing Pod came back in between", async () => {
    const kubernetes = healthyWorld();
    const [pod] = kubernetes.pods.splice(2, 1);
    const queue = fakeQueue();
    let now = 1_000_000;
    const sweep = createCrashLoopSweep({ config, kubernetes, modes: fakeModes(), queue, logger, now: () => now });

    await sweep.sweep();
    kubernetes.pods.push(pod!);
    now += 3000;
    await sweep.sweep();
    kubernetes.pods.pop();
    now += 3000;
    await sweep.sweep();
    now += 3000;
    await sweep.sweep();
    expect(queue.requests).toEqual([]);
  });

  it("leaves members without a Deployment or scaled to 0", async () => {
    const kubernetes = healthyWorld();
    kubernetes.deployments.delete("default/example-1");
    kubernetes.deployments.set("default/example-2", memberDeployment("example-2", "example", 2, { replicas: 0 }));
    kubernetes.pods.splice(0, 2);
    const queue = fakeQueue();
    let now = 1_000_000;
    const sweep = createCrashLoopSweep({ config, kubernetes, modes: fakeModes(), queue, logger, now: () => now });
    await sweep.sweep();
    now += 60_000;
    await sweep.sweep();
    expect(queue.requests).toEqual([]);
  });

  it("reports a cluster it cannot read and still sweeps the others", async () => {
    const kubernetes = healthyWorld();
    kubernetes.pods[3] = memberPod("other-1-5d8f7c9b6a-ffff1", generatedLabels("other", 1), {
      waiting: "CrashLoopBackOff",
    });
    const twoNamespaces = parseConfig(
      ["clusters:", "  - { name: example, namespace: broken, members: 1 }", "  - { name: other, members: 1 }", ""].join(
        "\n",
      ),
      "test.yaml",
    );
    kubernetes.deployments.set("broken/example-1", memberDeployment("example-1", "example", 1));
    kubernetes.failListsIn("broken");
    const queue = fakeQueue();

    const report = await createCrashLoopSweep({
      config: twoNamespaces,
      kubernetes,
      modes: fakeModes(),
      queue,
      logger,
    }).sweep();
    expect(report.failed).toEqual([{ cluster: "broken/example", error: "the API server did not answer" }]);
    expect(queue.requests.map((r) => `${r.target.cluster.namespace}/${r.target.cluster.name}`)).toEqual([
      "default/other",
    ]);
  });
});

const labels = generatedLabels("example", 3);
const moment = { now: 100_000, deadAfterMs: 5000 };

describe("judgeMember", () => {
  it("recovers a member whose etcd container waits in CrashLoopBackOff, naming the Pod", () => {
    const verdict = judgeMember(
      { replicas: 1, pods: [memberPod("example-3-abc-x1", labels, { waiting: "CrashLoopBackOff" })] },
      moment,
    );
    expect(verdict).toEqual({
      action: "recover",
      reason: "Pod example-3-abc-x1 is in CrashLoopBackOff",
      pod: "example-3-abc-x1",
    });
  });

  it("leaves a healthy member, one still creating its container, and one whose sidecar crash-loops", () => {
    expect(judgeMember({ replicas: 1, pods: [memberPod("p", labels)] }, moment).action).toBe("none");
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels, { waiting: "ContainerCreating" })] }, moment).action,
    ).toBe("none");
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" })] }, moment)
        .action,
    ).toBe("none");
  });

  it("ignores a crash-looping Pod that is being deleted when its replacement is fine", () => {
    const pods = [memberPod("old", labels, { waiting: "CrashLoopBackOff", deleting: true }), memberPod("new", labels)];
    expect(judgeMember({ replicas: 1, pods }, moment).action).toBe("none");
  });

  it("leaves members without a Deployment or scaled to 0, even with a crash-looping Pod", () => {
    const crashing = [memberPod("p", labels, { waiting: "CrashLoopBackOff" })];
    expect(judgeMember({ replicas: undefined, pods: crashing }, moment)).toMatchObject({
      action: "none",
      reason: "the member's workload does not exist",
    });
    expect(judgeMember({ replicas: 0, pods: crashing }, moment)).toMatchObject({
      action: "none",
      reason: "the member's workload is scaled below it",
    });
  });

  it("waits for a Pod that is missing, then recovers once it has been missing longer than deadAfter", () => {
    const first = judgeMember({ replicas: 1, pods: [] }, moment);
    expect(first).toMatchObject({ action: "none", missingSince: 100_000 });
    const early = judgeMember({ replicas: 1, pods: [] }, { ...moment, now: 105_000, missingSince: 100_000 });
    expect(early).toMatchObject({ action: "none", missingSince: 100_000 });
    const late = judgeMember({ replicas: 1, pods: [] }, { ...moment, now: 105_001, missingSince: 100_000 });
    expect(late).toEqual({
      action: "recover",
      reason: "its workload wants 1 Pod(s) but has had none for 5 s",
      missingSince: 100_000,
    });
    expect(late).not.toHaveProperty("pod");
  });

  it("counts only Terminating Pods as missing", () => {
    const verdict = judgeMember(
      { replicas: 1, pods: [memberPod("p", labels, { deleting: true })] },
      { ...moment, missingSince: 1 },
    );
    expect(verdict.action).toBe("recover");
  });

  it("forgets a missing Pod once one exists", () => {
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels)] }, { ...moment, missingSince: 1 }),
    ).not.toHaveProperty("missingSince");
  });
});

describe("crashLoopingContainer", () => {
  it("looks at the etcd container only", () => {
    expect(crashLoopingContainer(memberPod("p", labels, { waiting: "CrashLoopBackOff" }))).toBe("etcd");
    expect(crashLoopingContainer(memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" }))).toBeUndefined();
  });

  it("looks at every container when the Pod spec names none", () => {
    const pod = memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" });
    delete pod.spec;
    expect(crashLoopingContainer(pod)).toBe("metrics-proxy");
  });
});
