import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { selectorMatches } from "../api/label-selector.js";
import type { Logger } from "../logger.js";
import { CONTROLLER_REVISIONS } from "./controller-revisions.js";
import { controllerReference, controllerRefOf } from "./owner-references.js";
import { ordinalOf } from "./statefulset-pods.js";
import type { StatefulSet } from "./statefulset-types.js";

/**
 * Whether the StatefulSet may adopt `pod`, as Kubernetes decides: a Pod of its namespace without a
 * controller, not being deleted, that its selector matches and whose name is `SET-ORDINAL`.
 */
export function isAdoptable(set: StatefulSet, pod: KubeObject): boolean {
  return (
    pod.metadata.namespace === set.metadata.namespace &&
    !controllerRefOf(pod) &&
    !pod.metadata.deletionTimestamp &&
    ordinalOf(set, pod) !== undefined &&
    selectorMatches(set.spec?.selector, pod.metadata.labels)
  );
}

/** Whether the StatefulSet may adopt a ControllerRevision: one without a controller that its selector matches. */
function isAdoptableRevision(set: StatefulSet, revision: KubeObject): boolean {
  return (
    !controllerRefOf(revision) &&
    !revision.metadata.deletionTimestamp &&
    selectorMatches(set.spec?.selector, revision.metadata.labels)
  );
}

/**
 * Makes the StatefulSet the controller of the orphaned Pods and ControllerRevisions it may adopt (left
 * behind, say, by a StatefulSet deleted with `--cascade=orphan`), so that a new StatefulSet of the same
 * name takes them over, revisions included, and restarts none of the Pods.
 */
export function adoptOrphans(store: ObjectStore, set: StatefulSet, logger: Logger): void {
  for (const revision of store.list(CONTROLLER_REVISIONS, set.metadata.namespace)) {
    if (!isAdoptableRevision(set, revision)) continue;
    store.mutate(CONTROLLER_REVISIONS, revision.metadata.namespace, revision.metadata.name, (obj) => {
      obj.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), controllerReference(set)];
    });
    logger.info({ namespace: revision.metadata.namespace, revision: revision.metadata.name }, "adopted revision");
  }
  for (const pod of store.list("pods", set.metadata.namespace)) {
    if (!isAdoptable(set, pod)) continue;
    store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (obj) => {
      if (!isAdoptable(set, obj)) return false;
      obj.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), controllerReference(set)];
    });
    logger.info({ namespace: pod.metadata.namespace, pod: pod.metadata.name }, "adopted pod");
  }
}
