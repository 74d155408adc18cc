import type { V1LabelSelector } from "@kubernetes/client-node";

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
