import { matchesFields, parseFieldSelector } from "../field-selector.js";
import { matchesRequirements, parseLabelSelector } from "../label-selector.js";
import type { KubeObject } from "../object-store.js";

/** Which objects a list or watch request wants. */
export type ObjectFilter = (obj: KubeObject) => boolean;

/**
 * Builds the filter of a list or watch from its namespace and the `labelSelector` and
 * `fieldSelector` query parameters. Throws 400 for a malformed selector.
 */
export function objectFilter(resource: string, namespace: string | undefined, query: URLSearchParams): ObjectFilter {
  const labels = parseLabelSelector(query.get("labelSelector") ?? undefined);
  const fields = parseFieldSelector(query.get("fieldSelector"), resource);
  return (obj) =>
    (namespace === undefined || obj.metadata.namespace === namespace) &&
    matchesRequirements(obj.metadata.labels, labels) &&
    matchesFields(obj, fields);
}
