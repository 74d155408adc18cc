import type { KubeObject } from "../api/object-store.js";
import type { LabelSelectorSpec } from "../api/label-selector.js";
import type { PodTemplate } from "./workload-types.js";

/** What happens to a claim made from a `volumeClaimTemplate`: kept (`Retain`, default) or deleted. */
export type ClaimRetention = "Retain" | "Delete";

interface StatefulSetSpec {
  /** Pods wanted; default 1. */
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  /** The headless Service that gives the Pods their DNS names; becomes every Pod's `spec.subdomain`. */
  serviceName?: string;
  /** `OrderedReady` (default): one Pod at a time, in order. `Parallel`: all at once. */
  podManagementPolicy?: "OrderedReady" | "Parallel";
  /** `RollingUpdate` (default) replaces Pods from the highest ordinal down; `OnDelete` only re-creates deleted ones. */
  updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition?: number } };
  /** Claims every Pod gets, named `TEMPLATE-SET-ORDINAL`. */
  volumeClaimTemplates?: KubeObject[];
  /** Whether claims go when the StatefulSet is deleted (`whenDeleted`) or scaled down (`whenScaled`). */
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: ClaimRetention; whenScaled?: ClaimRetention };
  /** ControllerRevisions kept besides the ones in use; default 10. */
  revisionHistoryLimit?: number;
  /** Seconds a Pod must stay ready before it counts as available; default 0. */
  minReadySeconds?: number;
  /** The first ordinal; default 0. */
  ordinals?: { start?: number };
}

/** Counts are left out when zero, except `replicas`, as the API serves them. */
export interface StatefulSetStatus {
  /** The `metadata.generation` this status describes. */
  observedGeneration?: number;
  /** Pods the controller created that still exist. */
  replicas: number;
  readyReplicas?: number;
  /** Pods ready for `minReadySeconds`. */
  availableReplicas?: number;
  /** Pods, not being deleted, of `currentRevision`. */
  currentReplicas?: number;
  /** Pods, not being deleted, of `updateRevision`. */
  updatedReplicas?: number;
  /** The revision the Pods below the rollout run. */
  currentRevision?: string;
  /** The revision of the current template. */
  updateRevision?: string;
  /** Moves the revision hash when a revision name is already taken by another template. */
  collisionCount?: number;
}

export type StatefulSet = KubeObject & { spec?: StatefulSetSpec; status?: StatefulSetStatus };

/** An `apps/v1` ControllerRevision: one version of a StatefulSet's Pod template. */
export type ControllerRevision = KubeObject & {
  /** The patch that turns a StatefulSet into this version: `{"spec":{"template":{..., "$patch":"replace"}}}`. */
  data?: { spec?: { template?: PodTemplate & { $patch?: string } } };
  /** Order of the versions; the highest is the newest. */
  revision?: number;
};
