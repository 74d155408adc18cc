import type { V1LabelSelector } from "@kubernetes/client-node";

/** Label naming the cluster a member belongs to. */
export const CLUSTER_LABEL = "etcd.responder.io/cluster";
/** Label holding the member number, as a string: `"3"`. */
export const MEMBER_LABEL = "etcd.responder.io/member";

/** The label a StatefulSet puts on each of its Pods, holding the Pod's name. */
export const STATEFULSET_POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** Labels that pick exactly one member's Pods: the Deployment and Service selectors. */
export function memberSelectorLabels(cluster: string, index: number): Record<string, string> {
  return { [CLUSTER_LABEL]: cluster, [MEMBER_LABEL]: String(index) };
}

/** Every label a member's objects carry. */
export function memberLabels(cluster: string, index: number): Record<string, string> {
  return {
    "app.kubernetes.io/name": "etcd",
    "app.kubernetes.io/instance": cluster,
    ...memberSelectorLabels(cluster, index),
  };
}

/**
 * A Deployment's selector in the `labelSelector` query syntax (`a=b,c in (d,e),!f`). Undefined when the
 * selector selects nothing usable (empty): listing with an empty selector would return every Pod.
 */
export function selectorString(selector: V1LabelSelector | undefined): string | undefined {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push(`${key}=${value}`);
  for (const requirement of selector?.matchExpressions ?? []) {
    const values = (requirement.values ?? []).join(",");
    switch (requirement.operator) {
      case "In":
        parts.push(`${requirement.key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${requirement.key} notin (${values})`);
        break;
      case "Exists":
        parts.push(requirement.key);
        break;
      case "DoesNotExist":
        parts.push(`!${requirement.key}`);
        break;
      default:
        throw new Error(`unknown label selector operator "${requirement.operator}" for key ${requirement.key}`);
    }
  }
  return parts.length > 0 ? parts.join(",") : undefined;
}

/**
 * Whether `labels` satisfy a Kubernetes label selector (matchLabels and matchExpressions, all of them), as
 * the API server decides it. An unknown operator matches nothing, so a selector that cannot be understood
 * never claims Pods.
 */
export function matchesSelector(
  labels: Readonly<Record<string, string>> | undefined,
  selector: V1LabelSelector,
): boolean {
  const own = labels ?? {};
  const has = (key: string) => Object.prototype.hasOwnProperty.call(own, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || own[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const values = requirement.values ?? [];
    const present = has(requirement.key);
    const value = own[requirement.key];
    switch (requirement.operator) {
      case "In":
        if (!present || !values.includes(value ?? "")) return false;
        break;
      case "NotIn":
        if (present && values.includes(value ?? "")) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Annotation on a member's workload while a recovery has it changed (from Stop until Verify passes): JSON
 * `{"since": ISO time, "by": holder}`. Any later run, the CLI's included, knows from it that an earlier attempt
 * changed the member, so that run can no longer end "refused, nothing changed".
 */
export const RECOVERY_UNDER_WAY_ANNOTATION = "etcd.responder.io/recovery-under-way";

/**
 * Annotation on a Deployment member's Deployment while a recovery is to empty the PersistentVolumeClaim its Pods
 * mount (from Stop until Start scales it up): JSON of the claim as it was (name, UID, labels, spec) and why, so that
 * a run interrupted after the claim was deleted still makes it again.
 */
export const RENEW_CLAIM_ANNOTATION = "etcd.responder.io/renew-claim";
