import type { UserInfo } from "../auth/user-info.js";

/** What authorization decides on: who does what to which object or path, as kube-apiserver's RequestInfo says. */
export interface RequestAttributes {
  /** Who asks. */
  user: UserInfo;
  /**
   * For resource requests `get`, `list`, `watch`, `create`, `update`, `patch`, `delete` or `deletecollection`;
   * for other paths the lower-cased HTTP method (`get`, `post`, ...).
   */
  verb: string;
  /** Whether the path names API objects (`/api/v1/...`, `/apis/G/V/...`), rather than discovery or health. */
  resourceRequest: boolean;
  /** The URL path, as non-resource rules match it. */
  path: string;
  /** The API group; "" for the core group. */
  apiGroup: string;
  /** The API version from the path; "" for non-resource requests. */
  apiVersion: string;
  /** The resource's plural, e.g. `pods`; "" when the path names none. */
  resource: string;
  /** `log`, `exec`, `scale`, `status`, `token`...; "" when none. */
  subresource: string;
  /** The object's name; for lists and watches narrowed by `fieldSelector=metadata.name=N`, that N. */
  name: string;
  /** The namespace; "" for cluster-scoped requests and lists across namespaces. */
  namespace: string;
}

/** Path steps that are verbs of their own: `/api/v1/watch/pods`. */
const PATH_VERBS = new Set(["watch", "proxy"]);
/** Subresources of a Namespace, which keep `namespaces` as the resource. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
const METHOD_VERBS: Record<string, string> = {
  GET: "get",
  HEAD: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** The attributes of a request for a path that names no resource (`/version`, `/healthz`), by `verb`. */
export function nonResourceAttributes(user: UserInfo, verb: string, path: string): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    path,
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    name: "",
    namespace: "",
  };
}

/** Derives the authorization attributes of a request from its method and URL, as kube-apiserver does. */
export function requestAttributes(user: UserInfo, method: string, url: URL): RequestAttributes {
  const parts = url.pathname.split("/").filter(Boolean);
  const attributes = nonResourceAttributes(user, method.toLowerCase(), url.pathname);
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    attributes.apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    attributes.apiGroup = parts[1]!;
    attributes.apiVersion = parts[2]!;
    rest = parts.slice(3);
  } else {
    return attributes;
  }
  attributes.resourceRequest = true;
  if (PATH_VERBS.has(rest[0]!) && rest.length >= 2) {
    attributes.verb = rest[0]!;
    rest = rest.slice(1);
  } else {
    attributes.verb = METHOD_VERBS[method.toUpperCase()] ?? "";
  }
  if (rest[0] === "namespaces" && rest.length > 1) {
    attributes.namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  attributes.resource = rest[0] ?? "";
  attributes.name = rest[1] ?? "";
  if (rest.length >= 3 && attributes.verb !== "proxy") attributes.subresource = rest[2]!;

  if (!attributes.name && attributes.verb === "get") {
    const watching = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
    attributes.verb = watching ? "watch" : "list";
    attributes.name = nameFromFieldSelector(url.searchParams.get("fieldSelector")) ?? "";
  }
  if (!attributes.name && attributes.verb === "delete") attributes.verb = "deletecollection";
  return attributes;
}

/** The N of a field selector that requires `metadata.name=N` (or `==N`), as a list of one named object. */
function nameFromFieldSelector(selector: string | null): string | undefined {
  for (const requirement of (selector ?? "").split(",")) {
    const match = /^\s*metadata\.name\s*==?\s*([^\s=!]+)\s*$/.exec(requirement);
    if (match && !match[1]!.includes("/")) return match[1];
  }
  return undefined;
}
