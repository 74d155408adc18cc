import type { KubeObject } from "./object-store.js";
import { jsonText } from "./patch/json-value.js";
import { StatusError } from "./status-error.js";

/** One term of a `fieldSelector`: `status.phase=Running`, `spec.nodeName!=`. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];

/** Fields each type can be selected by, beyond name and namespace (as Kubernetes registers them). */
const TYPE_FIELDS: Record<string, string[]> = {
  pods: [
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
  ],
  events: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  secrets: ["type"],
  namespaces: ["status.phase"],
  "replicasets.apps": ["status.replicas"],
};

/** The fields a type can be selected by. */
function selectableFields(resource: string): string[] {
  return [...COMMON_FIELDS, ...(TYPE_FIELDS[resource] ?? [])];
}

/**
 * Parses the `fieldSelector` query parameter (`a=b,c!=d`, `==` too). Throws 400 for a malformed
 * term or a field the type cannot be selected by.
 */
export function parseFieldSelector(text: string | null | undefined, resource: string): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  const allowed = selectableFields(resource);
  return text.split(",").map((raw) => {
    const term = raw.trim();
    const match = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!match)
      throw StatusError.badRequest(`invalid field selector term "${term}": expected FIELD=VALUE or FIELD!=VALUE`);
    const field = match[1]!;
    if (!allowed.includes(field)) {
      throw StatusError.badRequest(`field label not supported: ${field} (supported: ${allowed.join(", ")})`);
    }
    return { field, operator: match[2] === "!=" ? "!=" : "=", value: match[3]!.trim() };
  });
}

/** The value of a selectable field as a string; a missing field reads as the empty string. */
export function fieldValue(obj: KubeObject, field: string): string {
  if (field === "source") {
    // Events are selected by `source` = the reporting component.
    const source = obj.source as { component?: string } | undefined;
    return source?.component ?? "";
  }
  let at: unknown = obj;
  for (const part of field.split(".")) {
    if (at === null || typeof at !== "object") return "";
    at = (at as Record<string, unknown>)[part];
  }
  if (at === undefined || at === null) return "";
  return jsonText(at);
}

export function matchesFields(obj: KubeObject, requirements: FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === "="));
}
