import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { createDeleteObject, type DeleteObject } from "../../src/controllers/delete-object.js";
import { startControllers, type RunningControllers } from "../../src/controllers/start-controllers.js";
import type { Deployment } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  autoKubelet,
  capturingLogger,
  deployment,
  finishTerminatingPods,
  markPodReady,
  memberDeployment,
  podsOf,
  replicaSetsOf,
  rolloutComplete,
} from "./fixtures.js";

const SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
const WAIT_MS = 5000;

let store: ObjectStore;
let controllers: RunningControllers;
let deleteObject: DeleteObject;
let log: ReturnType<typeof capturingLogger>;
const stops: (() => void)[] = [];

beforeEach(() => {
  store = new ObjectStore();
  deleteObject = createDeleteObject(store);
  log = capturingLogger();
  controllers = startControllers(store, log.logger);
  stops.push(() => controllers.stop());
});

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  // Every scenario here is one the controllers must handle without a failed reconcile.
  expect(log.lines().filter((line) => line.level === "error")).toEqual([]);
});

function kubelet(): void {
  stops.push(autoKubelet(store));
}

/** The one ReplicaSet of a Deployment and its one pod, once both exist. */
async function singleReplica(d: KubeObject) {
  return waitForStore(
    store,
    () => {
      const [rs, ...more] = replicaSetsOf(store, d);
      if (!rs || more.length > 0) return undefined;
      const pods = podsOf(store, rs).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 1 && pods[0] ? { rs, pod: pods[0] } : undefined;
    },
    `one ReplicaSet with one pod for ${d.metadata.name}`,
    WAIT_MS,
  );
}

function setSpec(name: string, change: (spec: NonNullable<Deployment["spec"]>) => void): void {
  store.mutate("deployments.apps", "etcd", name, (obj) => {
    change((obj as Deployment).spec ?? {});
  });
}

describe("startControllers", () => {
  it("turns a Deployment into a ReplicaSet and one pod with Kubernetes names, owners and labels", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-0"));
    const { rs, pod } = await singleReplica(d);

    expect(rs.metadata.name).toMatch(new RegExp(`^etcd-0-${SAFE}{8,10}$`));
    const hash = rs.metadata.labels?.["pod-template-hash"];
    expect(rs.metadata.name).toBe(`etcd-0-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: "etcd-0", role: "member", "pod-template-hash": hash });
    expect(rs.spec?.selector).toEqual({ matchLabels: { app: "etcd-0", "pod-template-hash": hash } });
    expect(rs.spec?.replicas).toBe(1);
    expect(rs.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(rs.metadata.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "etcd-0",
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);

    expect(pod.metadata.name).toMatch(new RegExp(`^${rs.metadata.name}-${SAFE}{5}$`));
    expect(pod.metadata.generateName).toBe(`${rs.metadata.name}-`);
    expect(pod.metadata.labels).toEqual({ app: "etcd-0", role: "member", "pod-template-hash": hash });
    expect(pod.metadata.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: rs.metadata.name,
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect((pod.spec?.containers ?? [])[0]?.args).toEqual(["--name", "etcd-0"]);
    expect(deployment(store, "etcd-0")?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
  });

  it("reports the Deployment Available and its rollout complete once the pod is Ready", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-0"));
    const { pod } = await singleReplica(d);
    await controllers.idle();

    const before = deployment(store, "etcd-0");
    expect(before?.status).toMatchObject({
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      unavailableReplicas: 1,
    });
    expect(before?.status?.readyReplicas).toBeUndefined();
    expect(before?.status?.conditions?.find((c) => c.type === "Available")).toMatchObject({
      status: "False",
      reason: "MinimumReplicasUnavailable",
    });
    expect(rolloutComplete(before)).toBe(false);

    markPodReady(store, pod);
    const after = await waitForStore(
      store,
      () => {
        const current = deployment(store, "etcd-0");
        return current?.status?.conditions?.some((c) => c.type === "Available" && c.status === "True")
          ? current
          : undefined;
      },
      "Deployment etcd-0 Available",
      WAIT_MS,
    );
    expect(after.status).toMatchObject({
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
    expect(after.status?.unavailableReplicas).toBeUndefined();
    const available = after.status?.conditions?.find((c) => c.type === "Available");
    expect(available).toMatchObject({ reason: "MinimumReplicasAvailable" });
    expect(available?.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(available?.lastUpdateTime).toBeDefined();
    expect(after.status?.conditions?.find((c) => c.type === "Progressing")).toMatchObject({
      status: "True",
      reason: "NewReplicaSetAvailable",
    });
    expect(rolloutComplete(after)).toBe(true);
  });

  it("scales to zero by deleting the pod gracefully, and back to one", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-1"));
    const { rs, pod } = await singleReplica(d);

    setSpec("etcd-1", (spec) => (spec.replicas = 0));
    const stopping = await waitForStore(
      store,
      () => {
        const current = store.get("pods", "etcd", pod.metadata.name);
        return current?.metadata.deletionTimestamp ? current : undefined;
      },
      "the pod to be Terminating",
      WAIT_MS,
    );
    expect(stopping.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(store.get("replicasets.apps", "etcd", rs.metadata.name)?.spec).toMatchObject({ replicas: 0 });

    expect(finishTerminatingPods(store)).toBe(1);
    const scaledDown = await waitForStore(
      store,
      () => {
        const current = deployment(store, "etcd-1");
        return current?.status?.observedGeneration === 2 && current.status.replicas === undefined ? current : undefined;
      },
      "Deployment etcd-1 status with zero replicas",
      WAIT_MS,
    );
    expect(rolloutComplete(scaledDown)).toBe(true);
    expect(replicaSetsOf(store, d)).toHaveLength(1);

    setSpec("etcd-1", (spec) => (spec.replicas = 1));
    const again = await singleReplica(d);
    expect(again.rs.metadata.name).toBe(rs.metadata.name);
    expect(again.pod.metadata.name).not.toBe(pod.metadata.name);
  });

  it("rolls a template change out to a new ReplicaSet and scales the old one to zero", async () => {
    kubelet();
    const d = store.create("deployments.apps", memberDeployment("etcd-2"));
    const first = await singleReplica(d);
    await waitForStore(store, () => rolloutComplete(deployment(store, "etcd-2")), "first rollout of etcd-2", WAIT_MS);

    setSpec("etcd-2", (spec) => {
      const container = spec.template?.spec?.containers as { args?: string[] }[];
      if (container[0]) container[0].args = ["--name", "etcd-2", "--force-new-cluster"];
    });
    const done = await waitForStore(
      store,
      () => {
        const current = deployment(store, "etcd-2");
        const sets = replicaSetsOf(store, d);
        const old = sets.find((rs) => rs.metadata.uid === first.rs.metadata.uid);
        return rolloutComplete(current) &&
          current?.status?.observedGeneration === 2 &&
          old?.spec?.replicas === 0 &&
          old.status?.replicas === 0
          ? { current, sets }
          : undefined;
      },
      "the second rollout of etcd-2 to finish",
      WAIT_MS,
    );
    expect(done.sets).toHaveLength(2);
    const fresh = done.sets.find((rs) => rs.metadata.uid !== first.rs.metadata.uid);
    expect(fresh?.metadata.name).not.toBe(first.rs.metadata.name);
    expect(fresh?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(done.current?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const pods = podsOf(store, fresh!);
    expect(pods).toHaveLength(1);
    expect((pods[0]?.spec?.containers ?? [])[0]?.args).toContain("--force-new-cluster");
  });

  it("with Recreate makes the new ReplicaSet only once the old pod is gone", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-3", { strategy: "Recreate" }));
    const first = await singleReplica(d);
    setSpec("etcd-3", (spec) => {
      const container = spec.template?.spec?.containers as { args?: string[] }[];
      if (container[0]) container[0].args = ["--name", "etcd-3", "--snapshot-count", "1000"];
    });
    await waitForStore(
      store,
      () => store.get("pods", "etcd", first.pod.metadata.name)?.metadata.deletionTimestamp,
      "the old pod to be Terminating",
      WAIT_MS,
    );
    await controllers.idle();
    expect(replicaSetsOf(store, d)).toHaveLength(1);

    finishTerminatingPods(store);
    const sets = await waitForStore(
      store,
      () => {
        const all = replicaSetsOf(store, d);
        const fresh = all.find((rs) => rs.metadata.uid !== first.rs.metadata.uid);
        return fresh && podsOf(store, fresh).length === 1 ? all : undefined;
      },
      "the new ReplicaSet of etcd-3 with its pod",
      WAIT_MS,
    );
    expect(sets).toHaveLength(2);
  });

  it("prunes old ReplicaSets to revisionHistoryLimit", async () => {
    kubelet();
    const d = store.create("deployments.apps", memberDeployment("etcd-4", { revisionHistoryLimit: 1 }));
    await waitForStore(store, () => rolloutComplete(deployment(store, "etcd-4")), "first rollout of etcd-4", WAIT_MS);
    for (let round = 1; round <= 3; round++) {
      setSpec("etcd-4", (spec) => {
        const container = spec.template?.spec?.containers as { args?: string[] }[];
        if (container[0]) container[0].args = ["--name", "etcd-4", `--round=${round}`];
      });
      await waitForStore(
        store,
        () => {
          const current = deployment(store, "etcd-4");
          return rolloutComplete(current) && current?.status?.observedGeneration === round + 1;
        },
        `rollout ${round} of etcd-4`,
        WAIT_MS,
      );
    }
    const sets = await waitForStore(
      store,
      () => {
        const all = replicaSetsOf(store, d);
        return all.length === 2 ? all : undefined;
      },
      "etcd-4 to keep one old ReplicaSet",
      WAIT_MS,
      () =>
        replicaSetsOf(store, d)
          .map((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"])
          .join(","),
    );
    expect(sets.map((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"]).sort()).toEqual(["3", "4"]);
  });

  it("replaces a pod that is deleted", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-5"));
    const { rs, pod } = await singleReplica(d);

    deleteObject("pods", "etcd", pod.metadata.name, { gracePeriodSeconds: 0 });
    const replacement = await waitForStore(
      store,
      () => podsOf(store, rs).find((p) => p.metadata.name !== pod.metadata.name),
      "a replacement pod",
      WAIT_MS,
    );
    expect(replacement.metadata.name).toMatch(new RegExp(`^${rs.metadata.name}-${SAFE}{5}$`));

    // A graceful delete is replaced at once too: a stopping pod no longer counts.
    deleteObject("pods", "etcd", replacement.metadata.name, {});
    await waitForStore(
      store,
      () =>
        podsOf(store, rs).filter((p) => !p.metadata.deletionTimestamp).length === 1 && podsOf(store, rs).length === 2,
      "a replacement beside the stopping pod",
      WAIT_MS,
    );
  });

  it("deletes a Deployment in the background: ReplicaSet removed, pod stopped gracefully", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-6"));
    const { rs, pod } = await singleReplica(d);

    expect(deleteObject("deployments.apps", "etcd", "etcd-6", { propagationPolicy: "Background" })).toBeUndefined();
    expect(deployment(store, "etcd-6")).toBeUndefined();
    const stopping = await waitForStore(
      store,
      () =>
        !store.get("replicasets.apps", "etcd", rs.metadata.name) &&
        store.get("pods", "etcd", pod.metadata.name)?.metadata.deletionTimestamp,
      "ReplicaSet removed and pod Terminating",
      WAIT_MS,
    );
    expect(stopping).toBeTruthy();
    finishTerminatingPods(store);
    await controllers.idle();
    expect(store.list("pods", "etcd")).toEqual([]);
    expect(store.list("replicasets.apps", "etcd")).toEqual([]);
  });

  it("deletes a Deployment in the foreground: it stays until its pods and ReplicaSets are gone", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-7"));
    const { rs, pod } = await singleReplica(d);

    const held = deleteObject("deployments.apps", "etcd", "etcd-7", { propagationPolicy: "Foreground" });
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toEqual(["foregroundDeletion"]);

    await waitForStore(
      store,
      () => store.get("pods", "etcd", pod.metadata.name)?.metadata.deletionTimestamp,
      "the pod to be Terminating",
      WAIT_MS,
    );
    await controllers.idle();
    const rsNow = store.get("replicasets.apps", "etcd", rs.metadata.name);
    expect(rsNow?.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(deployment(store, "etcd-7")).toBeDefined();
    // A ReplicaSet being deleted makes no replacement for its stopping pod.
    expect(podsOf(store, rs)).toHaveLength(1);

    finishTerminatingPods(store);
    await waitForStore(store, () => !deployment(store, "etcd-7"), "Deployment etcd-7 to be removed", WAIT_MS);
    expect(store.get("replicasets.apps", "etcd", rs.metadata.name)).toBeUndefined();
    expect(store.list("pods", "etcd")).toEqual([]);
  });

  it("deletes a Deployment with Orphan: ReplicaSet and pod stay, without the owner reference", async () => {
    const d = store.create("deployments.apps", memberDeployment("etcd-8"));
    const { rs, pod } = await singleReplica(d);

    expect(deleteObject("deployments.apps", "etcd", "etcd-8", { propagationPolicy: "Orphan" })).toBeUndefined();
    await controllers.idle();
    const orphan = store.get("replicasets.apps", "etcd", rs.metadata.name);
    expect(orphan).toBeDefined();
    expect(orphan?.metadata.ownerReferences).toBeUndefined();
    const survivor = store.get("pods", "etcd", pod.metadata.name);
    expect(survivor?.metadata.deletionTimestamp).toBeUndefined();
    expect(survivor?.metadata.ownerReferences?.[0]?.uid).toBe(rs.metadata.uid);

    // The orphaned ReplicaSet still keeps its pod count.
    deleteObject("pods", "etcd", pod.metadata.name, { gracePeriodSeconds: 0 });
    await waitForStore(
      store,
      () => podsOf(store, rs).length === 1,
      "the orphaned ReplicaSet to replace its pod",
      WAIT_MS,
    );
  });

  it("reconciles what the store already holds when it starts", async () => {
    controllers.stop();
    const d = store.create("deployments.apps", memberDeployment("etcd-9"));
    const orphanPod = store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "leftover",
        namespace: "etcd",
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "gone", uid: "no-such-uid", controller: true },
        ],
      },
      spec: { containers: [] },
    });
    controllers = startControllers(store, log.logger);
    stops.push(() => controllers.stop());
    await singleReplica(d);
    await waitForStore(
      store,
      () => store.get("pods", "etcd", orphanPod.metadata.name)?.metadata.deletionTimestamp,
      "the pod whose owner is gone to be Terminating",
      WAIT_MS,
    );
  });

  it("scales to three and back to one, deleting the surplus pods", async () => {
    kubelet();
    const d = store.create("deployments.apps", memberDeployment("etcd-10", { replicas: 3 }));
    await waitForStore(
      store,
      () =>
        rolloutComplete(deployment(store, "etcd-10")) && deployment(store, "etcd-10")?.status?.availableReplicas === 3,
      "three available replicas",
      WAIT_MS,
    );
    setSpec("etcd-10", (spec) => (spec.replicas = 1));
    await waitForStore(
      store,
      () => {
        const current = deployment(store, "etcd-10");
        const [rs] = replicaSetsOf(store, d);
        return rolloutComplete(current) && current?.status?.replicas === 1 && rs && podsOf(store, rs).length === 1;
      },
      "one replica left",
      WAIT_MS,
    );
  });
});
