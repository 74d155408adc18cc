import type { V1PersistentVolumeClaim, V1PersistentVolumeClaimSpec } from "@kubernetes/client-node";
import type { ClaimDeletion } from "../../core/config/types.js";
import { findStaleDataSign } from "./classify.js";

/**
 * Why a recovery empties the claim of a member on one, or undefined to keep it: the configuration says so
 * (`always`), or the member's log shows its data dir holds a write-ahead log the cluster no longer knows. Lost data
 * with nothing written since (already bootstrapped) needs no wipe, and intact data is never wiped.
 */
export function claimWipeReason(deleteClaim: ClaimDeletion, log: string): string | undefined {
  if (deleteClaim === "always") return "the configuration empties it on every recovery";
  const stale = findStaleDataSign(log);
  return stale ? `its data dir holds a write-ahead log the cluster no longer knows: ${stale.line}` : undefined;
}

/** What a Deployment member's claim was before the recovery emptied it: enough to make it again, empty. */
export interface ClaimRenewal {
  /** The claim's name. */
  claim: string;
  /** The UID of the claim to delete; a claim of the name with another UID is the new one. */
  uid: string;
  /** Why it is emptied (see `claimWipeReason`). */
  reason: string;
  /** The claim's labels. */
  labels: Record<string, string>;
  /** What the new claim asks for: the old one's class, access modes, resources and volume mode, nothing bound. */
  spec: Pick<V1PersistentVolumeClaimSpec, "storageClassName" | "accessModes" | "resources" | "volumeMode">;
}

/** The renewal of `claim`, as recorded before it is deleted. Throws for a claim without a name or UID. */
export function claimRenewalOf(claim: V1PersistentVolumeClaim, reason: string): ClaimRenewal {
  const name = claim.metadata?.name;
  const uid = claim.metadata?.uid;
  if (!name || !uid) throw new Error("a PersistentVolumeClaim without a name or UID cannot be renewed");
  const { storageClassName, accessModes, resources, volumeMode } = claim.spec ?? {};
  return {
    claim: name,
    uid,
    reason,
    labels: { ...claim.metadata?.labels },
    spec: {
      ...(storageClassName !== undefined ? { storageClassName } : {}),
      ...(accessModes ? { accessModes: [...accessModes] } : {}),
      ...(resources ? { resources: structuredClone(resources) } : {}),
      ...(volumeMode !== undefined ? { volumeMode } : {}),
    },
  };
}

/** The annotation value that records a renewal. */
export function formatClaimRenewal(renewal: ClaimRenewal): string {
  return JSON.stringify(renewal);
}

/** A renewal recorded as an annotation; throws, saying what is wrong, for one that cannot be read. */
export function parseClaimRenewal(value: string): ClaimRenewal {
  let parsed: Partial<ClaimRenewal>;
  try {
    parsed = JSON.parse(value) as Partial<ClaimRenewal>;
  } catch {
    throw new Error(`the recorded claim renewal is not JSON: ${value.slice(0, 200)}`);
  }
  const { claim, uid, reason, labels, spec } = parsed;
  if (typeof claim !== "string" || typeof uid !== "string" || typeof spec !== "object" || spec === null) {
    throw new Error(`the recorded claim renewal lacks the claim's name, UID or spec: ${value.slice(0, 200)}`);
  }
  return {
    claim,
    uid,
    reason: typeof reason === "string" ? reason : "recorded by an earlier attempt",
    labels: typeof labels === "object" && labels !== null ? labels : {},
    spec,
  };
}

/** The empty claim to create in place of the renewed one. */
export function emptyClaimOf(renewal: ClaimRenewal, namespace: string): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: renewal.claim,
      namespace,
      ...(Object.keys(renewal.labels).length > 0 ? { labels: { ...renewal.labels } } : {}),
    },
    spec: structuredClone(renewal.spec),
  };
}

/**
 * What is left to do of a renewal, from the claim of its name now: `delete` the old one (still there, maybe
 * Terminating), `create` the new one (none there), or `done` (a claim with another UID is there: made already).
 */
export function nextClaimRenewalStep(
  renewal: Pick<ClaimRenewal, "uid">,
  current: { uid?: string } | undefined,
): "delete" | "create" | "done" {
  if (!current) return "create";
  return current.uid === renewal.uid ? "delete" : "done";
}
