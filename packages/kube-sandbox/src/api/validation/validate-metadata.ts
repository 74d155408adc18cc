import type { KubeObject } from "../object-store.js";
import type { ResourceType } from "../resource-catalog.js";
import type { StatusCause } from "../status-error.js";
import { invalid, required } from "./field-causes.js";
import {
  dns1035Problems,
  labelProblems,
  labelValueProblems,
  qualifiedNameProblems,
  subdomainProblems,
} from "./names.js";

/** Namespaces and Services become DNS labels, so their names are stricter than a subdomain. */
function nameProblems(type: ResourceType, name: string): string[] {
  if (type.plural === "namespaces") return labelProblems(name);
  if (type.plural === "services") return dns1035Problems(name);
  return subdomainProblems(name);
}

/** Checks the name (or generateName), labels and annotations of an object. */
export function validateMetadata(type: ResourceType, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = obj.metadata;
  if (meta === null || typeof meta !== "object") return [required("metadata")];
  if (typeof meta.name !== "string" || meta.name === "") {
    if (typeof meta.generateName !== "string" || meta.generateName === "") {
      causes.push(required("metadata.name", "name or generateName is required"));
    }
  } else {
    for (const problem of nameProblems(type, meta.name)) causes.push(invalid("metadata.name", meta.name, problem));
  }
  causes.push(...validateStringMap(meta.labels, "metadata.labels", true));
  causes.push(...validateStringMap(meta.annotations, "metadata.annotations", false));
  return causes;
}

function validateStringMap(map: unknown, path: string, isLabels: boolean): StatusCause[] {
  if (map === undefined || map === null) return [];
  if (typeof map !== "object" || Array.isArray(map)) return [invalid(path, map, "must be a map of strings")];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    for (const problem of qualifiedNameProblems(key)) causes.push(invalid(path, key, problem));
    if (typeof value !== "string") causes.push(invalid(`${path}[${key}]`, value, "must be a string"));
    else if (isLabels) for (const problem of labelValueProblems(value)) causes.push(invalid(path, value, problem));
  }
  return causes;
}
