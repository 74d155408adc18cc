import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { createDeleteObject, type DeleteObject } from "../../src/controllers/delete-object.js";
import { startControllers, type RunningControllers } from "../../src/controllers/start-controllers.js";
import type { ControllerRevision, StatefulSet } from "../../src/controllers/statefulset-types.js";
import type { Pod } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { autoKubelet, capturingLogger, finishTerminatingPods, markPodReady } from "./fixtures.js";

const WAIT_MS = 5000;
const NS = "db";

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
  expect(log.lines().filter((line) => line.level === "error")).toEqual([]);
});

interface SetFixture {
  replicas?: number;
  policy?: "OrderedReady" | "Parallel";
  strategy?: { type: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition: number } };
  claims?: boolean;
  retention?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
}

function statefulSet(name: string, options: SetFixture = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: NS },
    spec: {
      replicas: options.replicas ?? 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      podManagementPolicy: options.policy ?? "OrderedReady",
      updateStrategy: options.strategy ?? { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      ...(options.retention ? { persistentVolumeClaimRetentionPolicy: options.retention } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "busybox", args: ["sleep", "3600"] }] },
      },
      ...(options.claims
        ? {
            volumeClaimTemplates: [
              {
                metadata: { name: "data" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
              },
            ],
          }
        : {}),
    },
  };
}

const podsOf = (name: string): Pod[] =>
  (store.list("pods", NS) as Pod[])
    .filter((pod) => pod.metadata.ownerReferences?.[0]?.name === name)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
const names = (pods: KubeObject[]) => pods.map((pod) => pod.metadata.name);
const setOf = (name: string) => store.get("statefulsets.apps", NS, name) as StatefulSet;
const revisionsOf = (name: string) =>
  (store.list("controllerrevisions.apps", NS) as ControllerRevision[]).filter(
    (r) => r.metadata.ownerReferences?.[0]?.uid === setOf(name).metadata.uid,
  );
const revisionLabel = (pod: KubeObject) => pod.metadata.labels?.["controller-revision-hash"];

/** Waits for exactly these Pods (with `gone`, counting Pods being deleted as well). */
async function podsNamed(name: string, wanted: string[], gone = false): Promise<Pod[]> {
  return waitForStore(
    store,
    () => {
      const pods = podsOf(name).filter((pod) => gone || !pod.metadata.deletionTimestamp);
      return JSON.stringify(names(pods)) === JSON.stringify(wanted) ? pods : undefined;
    },
    `Pods ${wanted.join(", ")} of ${name}`,
    WAIT_MS,
  );
}

async function rolledOut(name: string): Promise<StatefulSet> {
  return waitForStore(
    store,
    () => {
      const set = setOf(name);
      const s = set.status;
      if (!s) return undefined;
      const done =
        s.observedGeneration === set.metadata.generation &&
        s.readyReplicas === set.spec?.replicas &&
        s.replicas === set.spec?.replicas &&
        s.updatedReplicas === set.spec?.replicas &&
        s.currentRevision === s.updateRevision;
      return done ? set : undefined;
    },
    `StatefulSet ${name} to be rolled out`,
    WAIT_MS,
  );
}

function changeTemplate(name: string, args: string[]): void {
  store.mutate("statefulsets.apps", NS, name, (obj) => {
    const set = obj as StatefulSet;
    const container = (set.spec?.template?.spec?.containers as { args?: string[] }[])[0];
    if (container) container.args = args;
  });
}

describe("StatefulSet controller", () => {
  it("makes Pods NAME-ORDINAL with a stable identity, one at a time under OrderedReady", async () => {
    store.create("statefulsets.apps", statefulSet("web", { claims: true }));
    await controllers.idle();
    // Nothing is ready: only the first Pod exists.
    const [first] = await podsNamed("web", ["web-0"]);
    await controllers.idle();
    expect(names(podsOf("web"))).toEqual(["web-0"]);
    expect(first?.spec).toMatchObject({
      hostname: "web-0",
      subdomain: "web",
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-web-0" } }],
    });
    expect(first?.metadata.labels).toMatchObject({
      app: "web",
      "statefulset.kubernetes.io/pod-name": "web-0",
      "apps.kubernetes.io/pod-index": "0",
      "controller-revision-hash": setOf("web").status?.updateRevision,
    });
    expect(first?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "StatefulSet", name: "web", controller: true }),
    ]);
    expect(store.get("persistentvolumeclaims", NS, "data-web-0")?.metadata.labels).toEqual({ app: "web" });
    markPodReady(store, first as Pod);
    const [, second] = await podsNamed("web", ["web-0", "web-1"]);
    markPodReady(store, second as Pod);
    await podsNamed("web", ["web-0", "web-1", "web-2"]);
    expect(store.list("persistentvolumeclaims", NS).map((c) => c.metadata.name)).toEqual([
      "data-web-0",
      "data-web-1",
      "data-web-2",
    ]);
  });

  it("makes every Pod at once under Parallel and scales down highest first", async () => {
    store.create("statefulsets.apps", statefulSet("par", { policy: "Parallel" }));
    await podsNamed("par", ["par-0", "par-1", "par-2"]);
    store.mutate("statefulsets.apps", NS, "par", (obj) => {
      (obj as StatefulSet).spec!.replicas = 1;
    });
    await waitForStore(
      store,
      () => (podsOf("par").filter((p) => p.metadata.deletionTimestamp).length === 2 ? true : undefined),
      "par-1 and par-2 to be deleted together",
      WAIT_MS,
    );
    expect(podsOf("par").find((p) => p.metadata.name === "par-0")?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("scales down one Pod at a time, highest ordinal first, under OrderedReady", async () => {
    stops.push(autoKubelet(store));
    store.create("statefulsets.apps", statefulSet("ord", { replicas: 3 }));
    await rolledOut("ord");
    const deleted: string[] = [];
    stops.push(
      store.subscribe((event) => {
        if (event.resource === "pods" && event.type === "DELETED") deleted.push(event.object.metadata.name);
      }),
    );
    store.mutate("statefulsets.apps", NS, "ord", (obj) => {
      (obj as StatefulSet).spec!.replicas = 1;
    });
    await podsNamed("ord", ["ord-0"], true);
    expect(deleted).toEqual(["ord-2", "ord-1"]);
    const set = await rolledOut("ord");
    expect(set.status).toMatchObject({ replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1 });
  });

  it("re-creates a deleted Pod under the same name and claim", async () => {
    stops.push(autoKubelet(store));
    store.create("statefulsets.apps", statefulSet("re", { replicas: 2, claims: true }));
    await rolledOut("re");
    const before = podsOf("re")[1];
    const claimUid = store.get("persistentvolumeclaims", NS, "data-re-1")?.metadata.uid;
    deleteObject("pods", NS, "re-1", {});
    const after = await waitForStore(
      store,
      () => {
        const pod = store.get("pods", NS, "re-1");
        return pod && pod.metadata.uid !== before?.metadata.uid ? pod : undefined;
      },
      "re-1 to be made again",
      WAIT_MS,
    );
    expect(after.spec).toMatchObject({ volumes: [{ persistentVolumeClaim: { claimName: "data-re-1" } }] });
    expect(store.get("persistentvolumeclaims", NS, "data-re-1")?.metadata.uid).toBe(claimUid);

    // A Pod that lost its identity label gets it back.
    store.mutate("pods", NS, "re-0", (pod) => {
      delete pod.metadata.labels?.["statefulset.kubernetes.io/pod-name"];
    });
    await waitForStore(
      store,
      () => (store.get("pods", NS, "re-0")?.metadata.labels?.["statefulset.kubernetes.io/pod-name"] ? true : undefined),
      "re-0 to get its pod-name label back",
      WAIT_MS,
    );
  });

  it("rolls from the highest ordinal down to the partition; an equal template reuses its revision", async () => {
    stops.push(autoKubelet(store));
    store.create(
      "statefulsets.apps",
      statefulSet("roll", { replicas: 3, strategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } }),
    );
    const first = await rolledOut("roll");
    const firstRevision = first.status?.updateRevision ?? "";
    expect(firstRevision).toMatch(/^roll-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const deleted: string[] = [];
    stops.push(
      store.subscribe((event) => {
        if (event.resource === "pods" && event.type === "DELETED") deleted.push(event.object.metadata.name);
      }),
    );
    changeTemplate("roll", ["sleep", "7200"]);
    const secondRevision = await waitForStore(
      store,
      () => {
        const s = setOf("roll").status;
        return s?.updatedReplicas === 2 && s.readyReplicas === 3 ? s.updateRevision : undefined;
      },
      "roll-2 and roll-1 to be updated",
      WAIT_MS,
    );
    await controllers.idle();
    expect(deleted).toEqual(["roll-2", "roll-1"]);
    expect(podsOf("roll").map(revisionLabel)).toEqual([firstRevision, secondRevision, secondRevision]);
    expect(setOf("roll").status).toMatchObject({ currentRevision: firstRevision, currentReplicas: 1 });

    // Back to the first template: its revision is reused, as the newest.
    changeTemplate("roll", ["sleep", "3600"]);
    await waitForStore(
      store,
      () => (setOf("roll").status?.updatedReplicas === 3 ? true : undefined),
      "every Pod back on the first revision",
      WAIT_MS,
    );
    const revisions = revisionsOf("roll").map((r) => [r.metadata.name, r.revision]);
    expect(revisions).toEqual(
      expect.arrayContaining([
        [secondRevision, 2],
        [firstRevision, 3],
      ]),
    );
    expect(revisions).toHaveLength(2);
    expect(setOf("roll").status?.updateRevision).toBe(firstRevision);
  });

  it("stalls a RollingUpdate under OrderedReady while a Pod is not ready", async () => {
    store.create("statefulsets.apps", statefulSet("stuck", { replicas: 2 }));
    const [zero] = await podsNamed("stuck", ["stuck-0"]);
    markPodReady(store, zero as Pod);
    await podsNamed("stuck", ["stuck-0", "stuck-1"]);
    // stuck-1 never becomes ready: a new template changes nothing.
    changeTemplate("stuck", ["sleep", "7200"]);
    await controllers.idle();
    expect(podsOf("stuck").every((pod) => !pod.metadata.deletionTimestamp)).toBe(true);
    expect(setOf("stuck").status?.updatedReplicas).toBeUndefined();
  });

  it("changes nothing under OnDelete until a Pod is deleted, which comes back on the update revision", async () => {
    stops.push(autoKubelet(store));
    store.create("statefulsets.apps", statefulSet("od", { replicas: 2, strategy: { type: "OnDelete" } }));
    const first = (await rolledOut("od")).status?.currentRevision;
    changeTemplate("od", ["sleep", "7200"]);
    const update = await waitForStore(
      store,
      () => {
        const s = setOf("od").status;
        return s?.updateRevision !== first ? s?.updateRevision : undefined;
      },
      "a new update revision",
      WAIT_MS,
    );
    await controllers.idle();
    expect(podsOf("od").map(revisionLabel)).toEqual([first, first]);
    deleteObject("pods", NS, "od-0", {});
    await waitForStore(
      store,
      () => {
        const pod = store.get("pods", NS, "od-0");
        return pod && revisionLabel(pod) === update ? true : undefined;
      },
      "od-0 to come back on the update revision",
      WAIT_MS,
    );
    await controllers.idle();
    expect(podsOf("od").map(revisionLabel)).toEqual([update, first]);
    expect(setOf("od").status).toMatchObject({ currentRevision: first, updateRevision: update, updatedReplicas: 1 });
    // Switching to RollingUpdate finishes the rollout from the highest ordinal, and restarts nothing else.
    store.mutate("statefulsets.apps", NS, "od", (obj) => {
      (obj as StatefulSet).spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
    });
    const done = await rolledOut("od");
    expect(done.status?.currentRevision).toBe(update);
  });

  it("deletes a scaled-down Pod's claim under whenScaled: Delete; the StatefulSet owns the others", async () => {
    stops.push(autoKubelet(store));
    store.create(
      "statefulsets.apps",
      statefulSet("keep", { replicas: 2, claims: true, retention: { whenDeleted: "Delete", whenScaled: "Delete" } }),
    );
    const set = await rolledOut("keep");
    expect(store.get("persistentvolumeclaims", NS, "data-keep-1")?.metadata.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        name: "keep",
        uid: set.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    store.mutate("statefulsets.apps", NS, "keep", (obj) => {
      (obj as StatefulSet).spec!.replicas = 1;
    });
    await podsNamed("keep", ["keep-0"], true);
    // The garbage collector deletes the claim its Pod owned; the one of keep-0 stays with the StatefulSet.
    await waitForStore(
      store,
      () => (store.get("persistentvolumeclaims", NS, "data-keep-1")?.metadata.deletionTimestamp ? true : undefined),
      "claim data-keep-1 to be deleted",
      WAIT_MS,
    );
    expect(store.get("persistentvolumeclaims", NS, "data-keep-0")?.metadata.deletionTimestamp).toBeUndefined();
    expect(finishTerminatingPods(store)).toBe(0);
  });

  it("adopts the Pods and revisions a StatefulSet deleted with orphan propagation left behind", async () => {
    stops.push(autoKubelet(store));
    store.create("statefulsets.apps", statefulSet("orph", { replicas: 2 }));
    await rolledOut("orph");
    const uids = podsOf("orph").map((pod) => pod.metadata.uid);
    const revision = setOf("orph").status?.updateRevision;
    deleteObject("statefulsets.apps", NS, "orph", { propagationPolicy: "Orphan" });
    await controllers.idle();
    expect(store.get("pods", NS, "orph-0")?.metadata.ownerReferences).toBeUndefined();
    store.create("statefulsets.apps", statefulSet("orph", { replicas: 2 }));
    const set = await rolledOut("orph");
    expect(podsOf("orph").map((pod) => pod.metadata.uid)).toEqual(uids);
    expect(set.status?.updateRevision).toBe(revision);
    expect(store.get("pods", NS, "orph-1")?.metadata.ownerReferences?.[0]?.uid).toBe(set.metadata.uid);
  });
});
