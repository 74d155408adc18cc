import type { V1Container, V1StatefulSet, V1StatefulSetUpdateStrategy } from "@kubernetes/client-node";
import { findEtcdContainer } from "../pods.js";
import { setInitialCluster } from "./initial-cluster.js";

/**
 * Annotation on a StatefulSet whose template and update strategy a recovery changed: JSON `{"updateStrategy": ...,
 * "container": {...}}`, the strategy and the etcd container as they were, so the recovery puts them back exactly.
 */
export const RESTORE_ANNOTATION = "etcd.responder.io/restore-after-recovery";

/** What a recovery changed on a StatefulSet, as it was before. */
export interface StatefulSetOriginal {
  /** `spec.updateStrategy` as it was; null when it was unset (RollingUpdate by default). */
  updateStrategy: V1StatefulSetUpdateStrategy | null;
  /** The etcd container of the Pod template as it was. */
  container: V1Container;
}

/** What the StatefulSet records about the recovery's change; undefined when it records none (or an unreadable one). */
export function readOriginal(set: V1StatefulSet | undefined): StatefulSetOriginal | undefined {
  const value = set?.metadata?.annotations?.[RESTORE_ANNOTATION];
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<StatefulSetOriginal>;
    if (!parsed.container || typeof parsed.container.name !== "string") return undefined;
    return { updateStrategy: parsed.updateStrategy ?? null, container: parsed.container };
  } catch {
    return undefined;
  }
}

/** The update strategy's type, RollingUpdate when unset (the Kubernetes default). */
export function strategyType(set: V1StatefulSet | undefined): string {
  return set?.spec?.updateStrategy?.type ?? "RollingUpdate";
}

/**
 * Holds `set` for a member's recovery, in place: records the original strategy and etcd container (once: a second
 * hold keeps the first record), switches to OnDelete so that no healthy Pod restarts, and sets the etcd container's
 * initial cluster to `initialCluster` with state `existing` (the flag where the template passes one, else the
 * variable). Answers what changed, for people. Throws when the template has no container.
 */
export function holdForRecovery(set: V1StatefulSet, initialCluster: string): string[] {
  const containers = set.spec?.template?.spec?.containers ?? [];
  const container = findEtcdContainer(containers);
  if (!set.spec || !container) throw new Error(`StatefulSet ${set.metadata?.name ?? ""} has no container`);
  const changes: string[] = [];
  const annotations = (set.metadata ??= {}).annotations ?? {};
  if (readOriginal(set) === undefined) {
    const original: StatefulSetOriginal = {
      updateStrategy: set.spec.updateStrategy ?? null,
      container: structuredClone(container),
    };
    annotations[RESTORE_ANNOTATION] = JSON.stringify(original);
    set.metadata.annotations = annotations;
  }
  if (strategyType(set) !== "OnDelete") {
    changes.push(`update strategy OnDelete (was ${strategyType(set)})`);
    set.spec.updateStrategy = { type: "OnDelete" };
  }
  const rewrite = setInitialCluster(container, initialCluster);
  containers[containers.indexOf(container)] = rewrite.container;
  changes.push(...rewrite.changes);
  return changes;
}

/**
 * Puts `set` back as the recovery found it, in place: the recorded etcd container and update strategy, and no record.
 * Answers false (nothing changed) when there is no record.
 */
export function releaseHold(set: V1StatefulSet): boolean {
  const original = readOriginal(set);
  if (!original || !set.spec) return false;
  const containers = set.spec.template?.spec?.containers ?? [];
  const index = containers.findIndex((c) => c.name === original.container.name);
  if (index >= 0) containers[index] = original.container;
  if (original.updateStrategy) set.spec.updateStrategy = original.updateStrategy;
  else delete set.spec.updateStrategy;
  delete set.metadata?.annotations?.[RESTORE_ANNOTATION];
  return true;
}
