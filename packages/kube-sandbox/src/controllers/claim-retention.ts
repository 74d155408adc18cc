import type { KubeObject, OwnerReference } from "../api/object-store.js";
import { controllerReference } from "./owner-references.js";
import type { StatefulSet } from "./statefulset-types.js";

/**
 * The owner references a StatefulSet's claim should carry under `persistentVolumeClaimRetentionPolicy`,
 * so that the garbage collector removes it when it must: `whenScaled: Delete` makes the Pod the owner
 * while its ordinal is beyond the replicas (condemned), else `whenDeleted: Delete` makes the StatefulSet
 * the owner (the collector removes an object only once all its owners are gone); both as controller
 * references. `Retain` (the default
 * of both) leaves the claim without such owners. Owners the controller does not manage are kept as they are.
 */
export function wantedClaimOwners(
  set: StatefulSet,
  claim: KubeObject,
  pod: KubeObject | undefined,
  condemned: boolean,
): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const ours = (ref: OwnerReference) =>
    ref.uid === set.metadata.uid || (pod !== undefined && ref.uid === pod.metadata.uid);
  const others = (claim.metadata.ownerReferences ?? []).filter((ref) => !ours(ref));
  // Another controller owns the claim: the StatefulSet leaves it to that one.
  if (others.some((ref) => ref.controller === true)) return others;
  if (policy.whenScaled === "Delete" && condemned && pod?.metadata.uid) {
    const podRef = { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid };
    return [...others, { ...podRef, controller: true, blockOwnerDeletion: true }];
  }
  if (policy.whenDeleted === "Delete") return [...others, controllerReference(set)];
  return others;
}
