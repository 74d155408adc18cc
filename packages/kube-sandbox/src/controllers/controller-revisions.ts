import type { ObjectStore } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { DeleteObject } from "./delete-object.js";
import { controllerReference, isControlledBy } from "./owner-references.js";
import { fnv32a, safeEncode, stableStringify } from "./pod-template-hash.js";
import type { ControllerRevision, StatefulSet } from "./statefulset-types.js";
import type { PodTemplate } from "./workload-types.js";
import { cloneJson } from "../api/patch/json-value.js";

/** Catalog key of ControllerRevisions. */
export const CONTROLLER_REVISIONS = "controllerrevisions.apps";
/** Label of a ControllerRevision holding the hash its name ends in. */
export const REVISION_HASH_LABEL = "controller.kubernetes.io/hash";
/** Label of a StatefulSet's Pod naming the ControllerRevision it was made from. */
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** The revisions a StatefulSet's Pods are made from, and the collision count that named them. */
export interface SetRevisions {
  /** The revision `status.currentRevision` names; the update revision when it names none that exists. */
  current: ControllerRevision;
  /** The revision of the StatefulSet's template as it is now. */
  update: ControllerRevision;
  /** `status.collisionCount` after naming the update revision. */
  collisionCount: number;
}

/** The patch a ControllerRevision stores: the StatefulSet's template, to be applied whole. */
export function revisionData(set: StatefulSet): NonNullable<ControllerRevision["data"]> {
  return { spec: { template: { ...cloneJson(set.spec?.template ?? {}), $patch: "replace" } } };
}

/** The hash of a revision's data (moved by `collisionCount`), as its name and hash label carry it. */
export function revisionHash(data: ControllerRevision["data"], collisionCount: number): string {
  let text = stableStringify(data ?? {});
  if (collisionCount > 0) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)));
}

/** The Pod template a revision stores. */
export function revisionTemplate(revision: ControllerRevision): PodTemplate {
  const template = cloneJson(revision.data?.spec?.template ?? {});
  delete template.$patch;
  return template;
}

/** Every ControllerRevision the StatefulSet controls, oldest (lowest `revision`) first. */
export function ownedRevisions(store: ObjectStore, set: StatefulSet): ControllerRevision[] {
  return (store.list(CONTROLLER_REVISIONS, set.metadata.namespace) as ControllerRevision[])
    .filter((revision) => isControlledBy(revision, set.metadata.uid))
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/**
 * Finds or makes the StatefulSet's update revision, as Kubernetes does: a revision with equal data is
 * reused (given the next revision number unless it already is the newest), otherwise a new one named
 * `SET-HASH` is created, moving `collisionCount` while that name belongs to different data.
 */
export function syncRevisions(store: ObjectStore, set: StatefulSet): SetRevisions {
  const revisions = ownedRevisions(store, set);
  const data = revisionData(set);
  const next = (revisions.at(-1)?.revision ?? 0) + 1;
  let collisionCount = set.status?.collisionCount ?? 0;
  let update: ControllerRevision | undefined;
  const equal = revisions.filter((revision) => sameData(revision, data));
  const newestEqual = equal.at(-1);
  if (newestEqual && newestEqual === revisions.at(-1)) {
    update = newestEqual;
  } else if (newestEqual) {
    update = store.mutate(CONTROLLER_REVISIONS, newestEqual.metadata.namespace, newestEqual.metadata.name, (obj) => {
      obj.revision = next;
    });
  }
  while (!update) {
    const candidate = buildRevision(set, data, next, collisionCount);
    const taken: ControllerRevision | undefined = store.get(
      CONTROLLER_REVISIONS,
      set.metadata.namespace,
      candidate.metadata.name,
    );
    if (!taken) update = store.create(CONTROLLER_REVISIONS, candidate);
    else if (isControlledBy(taken, set.metadata.uid) && sameData(taken, data)) update = taken;
    else collisionCount += 1;
  }
  const current = revisions.find((revision) => revision.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/**
 * Deletes the oldest revisions no Pod runs, and that are neither current nor update, beyond the
 * StatefulSet's `revisionHistoryLimit`.
 */
export function truncateHistory(
  store: ObjectStore,
  deleteObject: DeleteObject,
  set: StatefulSet,
  inUse: Set<string>,
): void {
  const limit = set.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  const unused = ownedRevisions(store, set).filter((revision) => !inUse.has(revision.metadata.name));
  for (const revision of unused.slice(0, Math.max(0, unused.length - limit))) {
    try {
      deleteObject(CONTROLLER_REVISIONS, revision.metadata.namespace, revision.metadata.name, {});
    } catch (error) {
      if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
    }
  }
}

function sameData(revision: ControllerRevision, data: ControllerRevision["data"]): boolean {
  return stableStringify(revision.data ?? {}) === stableStringify(data ?? {});
}

function buildRevision(
  set: StatefulSet,
  data: NonNullable<ControllerRevision["data"]>,
  revision: number,
  collisionCount: number,
): ControllerRevision {
  const hash = revisionHash(data, collisionCount);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `${set.metadata.name}-${hash}`,
      namespace: set.metadata.namespace,
      labels: { ...set.spec?.template?.metadata?.labels, [REVISION_HASH_LABEL]: hash },
      // The StatefulSet's annotations (a change-cause, say) go along, for `kubectl rollout history`.
      ...(set.metadata.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [controllerReference(set)],
    },
    data,
    revision,
  };
}
