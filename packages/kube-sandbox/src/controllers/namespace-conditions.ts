import type { KubeObject } from "../api/object-store.js";

/** One entry of a Namespace's `status.conditions`. */
export interface NamespaceCondition {
  type: string;
  status: "True" | "False";
  /** When `status` last changed. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** An object still in a Namespace being deleted: its catalog key (`pods`, `deployments.apps`) and itself. */
export interface RemainingObject {
  resource: string;
  object: KubeObject;
}

/**
 * The conditions the namespace controller writes on a Namespace being emptied, as `kubectl describe
 * namespace` shows them: which types still have objects in it, and which finalizers hold them.
 * A condition keeps its `lastTransitionTime` from `previous` while its status stays the same.
 */
export function namespaceDeletionConditions(
  remaining: RemainingObject[],
  previous: NamespaceCondition[],
  now: Date,
): NamespaceCondition[] {
  const byType = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  for (const { resource, object } of remaining) {
    byType.set(resource, (byType.get(resource) ?? 0) + 1);
    for (const finalizer of object.metadata.finalizers ?? []) {
      byFinalizer.set(finalizer, (byFinalizer.get(finalizer) ?? 0) + 1);
    }
  }
  // Kubernetes names a type by resource and group, with a dot even when the group is the core one ("").
  const types = [...byType]
    .map(([resource, count]) => `${resource.includes(".") ? resource : `${resource}.`} has ${count} resource instances`)
    .sort();
  const finalizers = [...byFinalizer].map(([name, count]) => `${name} in ${count} resource instances`).sort();

  const at = now.toISOString().replace(/\.\d+Z$/, "Z");
  const condition = (type: string, status: "True" | "False", reason: string, message: string) => {
    const before = previous.find((c) => c.type === type);
    const since = before?.status === status ? before.lastTransitionTime : at;
    return { type, status, lastTransitionTime: since, reason, message };
  };
  return [
    condition(
      "NamespaceDeletionDiscoveryFailure",
      "False",
      "ResourcesDiscovered",
      "All resources successfully discovered",
    ),
    condition(
      "NamespaceDeletionGroupVersionParsingFailure",
      "False",
      "ParsedGroupVersions",
      "All legacy kube types successfully parsed",
    ),
    condition(
      "NamespaceDeletionContentFailure",
      "False",
      "ContentDeleted",
      "All content successfully deleted, may be waiting on finalization",
    ),
    types.length > 0
      ? condition(
          "NamespaceContentRemaining",
          "True",
          "SomeResourcesRemain",
          `Some resources are remaining: ${types.join(", ")}`,
        )
      : condition("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"),
    finalizers.length > 0
      ? condition(
          "NamespaceFinalizersRemaining",
          "True",
          "SomeFinalizersRemain",
          `Some content in the namespace has finalizers remaining: ${finalizers.join(", ")}`,
        )
      : condition(
          "NamespaceFinalizersRemaining",
          "False",
          "ContentHasNoFinalizers",
          "All content-preserving finalizers finished",
        ),
  ];
}
