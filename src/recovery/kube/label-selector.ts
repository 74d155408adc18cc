import type { V1LabelSelector } from "@kubernetes/client-node";

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
