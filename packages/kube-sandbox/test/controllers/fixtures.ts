export { capturingLogger } from "../support.js";
import type { KubeObject, ObjectStore } from "../../src/api/object-store.js";
import { isControlledBy } from "../../src/controllers/owner-references.js";
import type { Deployment, Pod, ReplicaSet } from "../../src/controllers/workload-types.js";

export interface DeploymentFixture {
  replicas?: number;
  args?: string[];
  strategy?: "Recreate" | "RollingUpdate";
  revisionHistoryLimit?: number;
}

/** An etcd member Deployment as the sandbox runs them. */
export function memberDeployment(name: string, options: DeploymentFixture = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "etcd", labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      strategy: { type: options.strategy ?? "RollingUpdate" },
      ...(options.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: options.revisionHistoryLimit } : {}),
      template: {
        metadata: { labels: { app: name, role: "member" } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            { name: "etcd", image: "registry.k8s.io/etcd:3.4.13-0", args: options.args ?? ["--name", name] },
          ],
        },
      },
    },
  };
}

export function replicaSetsOf(store: ObjectStore, d: KubeObject): ReplicaSet[] {
  return (store.list("replicasets.apps", d.metadata.namespace) as ReplicaSet[]).filter((rs) =>
    isControlledBy(rs, d.metadata.uid),
  );
}

export function podsOf(store: ObjectStore, rs: KubeObject): Pod[] {
  return (store.list("pods", rs.metadata.namespace) as Pod[]).filter((pod) => isControlledBy(pod, rs.metadata.uid));
}

export function deployment(store: ObjectStore, name: string): Deployment | undefined {
  return store.get("deployments.apps", "etcd", name);
}

/** What the kubelet writes once a pod's container runs and passes its readiness check. */
export function markPodReady(store: ObjectStore, pod: KubeObject): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (obj) => {
    obj.status = {
      phase: "Running",
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: "True", lastTransitionTime: now },
      ],
      containerStatuses: [
        { name: "etcd", ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } },
      ],
    };
  });
}

/** The kubelet's side of a graceful deletion: containers stopped, pod removed. */
export function finishTerminatingPods(store: ObjectStore): number {
  const terminating = store.list("pods").filter((pod) => pod.metadata.deletionTimestamp);
  for (const pod of terminating) store.remove("pods", pod.metadata.namespace, pod.metadata.name);
  return terminating.length;
}

/**
 * Plays the kubelet for every pod: marks new pods ready and removes stopping ones, outside the
 * store's event dispatch as a real kubelet would. Returns a function that stops it.
 */
export function autoKubelet(store: ObjectStore): () => void {
  let stopped = false;
  const unsubscribe = store.subscribe((event) => {
    if (event.resource !== "pods" || event.type === "DELETED") return;
    const pod = event.object;
    setImmediate(() => {
      if (stopped) return;
      const current = store.get("pods", pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.uid !== pod.metadata.uid) return;
      if (current.metadata.deletionTimestamp) store.remove("pods", current.metadata.namespace, current.metadata.name);
      else if ((current.status as { phase?: string } | undefined)?.phase !== "Running") markPodReady(store, current);
    });
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}

/** The success rule of `kubectl rollout status`. */
export function rolloutComplete(d: Deployment | undefined): boolean {
  if (!d) return false;
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}
