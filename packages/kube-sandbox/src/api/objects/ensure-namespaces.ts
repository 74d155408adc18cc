import type { ObjectStore } from "../object-store.js";

/** Namespaces every Kubernetes cluster starts with. */
const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Creates the namespaces a cluster starts with, leaving any that already exist alone. */
export function ensureNamespaces(store: ObjectStore, names: string[] = SYSTEM_NAMESPACES): void {
  for (const name of names) {
    if (store.get("namespaces", undefined, name)) continue;
    store.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
}
