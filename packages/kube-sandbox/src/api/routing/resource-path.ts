import { findResourceType, RESOURCE_TYPES, resourceKey, type ResourceType } from "../resource-catalog.js";

/** A request path that names objects of one served type. */
export interface ResourceRoute {
  type: ResourceType;
  /** Catalog key of the type: `pods`, `deployments.apps`. */
  resource: string;
  /** Namespace from the path; undefined for cluster types and for all-namespaces lists. */
  namespace?: string;
  name?: string;
  /** `status`, `scale`, `log`, `exec`. */
  subresource?: string;
}

/** What an `/api/...` or `/apis/...` path names. */
export type ApiPath =
  | { kind: "group-version"; group: string; version: string }
  | { kind: "resource"; route: ResourceRoute }
  | { kind: "unknown" };

/** Splits and decodes a URL path; undefined when it is not validly percent-encoded. */
export function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split("/")
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Parses `/api/v1/namespaces/NS/pods/NAME/log`, `/apis/apps/v1/deployments` and the like. */
export function parseApiPath(segments: string[]): ApiPath {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 2) {
    group = "";
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 3) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else {
    return { kind: "unknown" };
  }
  if (!RESOURCE_TYPES.some((t) => t.group === group && t.version === version)) return { kind: "unknown" };
  if (rest.length === 0) return { kind: "group-version", group, version };

  // `namespaces/NS/<plural>/...` names namespaced objects; `namespaces/NS` alone is a Namespace.
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = findResourceType(group, version, rest[2]!);
    if (!type || !type.namespaced || rest.length > 5) return { kind: "unknown" };
    return { kind: "resource", route: route(type, rest[1], rest[3], rest[4]) };
  }
  const type = findResourceType(group, version, rest[0]!);
  if (!type || rest.length > 3) return { kind: "unknown" };
  // A namespaced type without a namespace can only be listed or watched across namespaces.
  if (type.namespaced && rest.length > 1) return { kind: "unknown" };
  return { kind: "resource", route: route(type, undefined, rest[1], rest[2]) };
}

function route(type: ResourceType, namespace?: string, name?: string, subresource?: string): ResourceRoute {
  const out: ResourceRoute = { type, resource: resourceKey(type) };
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  if (subresource !== undefined) out.subresource = subresource;
  return out;
}
