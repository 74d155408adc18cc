import type { IncomingHttpHeaders } from "node:http";
import type { ObjectStore } from "../object-store.js";
import { authorize } from "../rbac/authorize.js";
import { forbiddenError } from "../rbac/forbidden.js";
import type { RequestAttributes } from "../rbac/request-attributes.js";
import { StatusError } from "../status-error.js";
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  parseServiceAccountUsername,
  serviceAccountGroups,
  UNAUTHENTICATED_GROUP,
  type UserInfo,
} from "./user-info.js";

/**
 * The user a request acts as (`kubectl --as`, `--as-group`): with `Impersonate-User` (and `Impersonate-Group`)
 * headers, the user they name, provided the requester may `impersonate` that user (resource `users`, or
 * `serviceaccounts` in its namespace for a ServiceAccount) and each group (`groups`), else 403; without
 * them, the requester. The impersonated user is in `system:authenticated` (a ServiceAccount also in its groups,
 * unless groups are named) as kube-apiserver makes it.
 */
export function impersonatedUser(requester: UserInfo, headers: IncomingHttpHeaders, store: ObjectStore): UserInfo {
  const username = headerValues(headers["impersonate-user"])[0];
  const groups = headerValues(headers["impersonate-group"]);
  if (username === undefined) {
    if (groups.length > 0)
      throw StatusError.badRequest(`requested ${JSON.stringify(groups)} without impersonating a user`);
    return requester;
  }
  const serviceAccount = parseServiceAccountUsername(username);
  const target = serviceAccount
    ? { resource: "serviceaccounts", name: serviceAccount.name, namespace: serviceAccount.namespace }
    : { resource: "users", name: username, namespace: "" };
  for (const wanted of [target, ...groups.map((name) => ({ resource: "groups", name, namespace: "" }))]) {
    const attributes: RequestAttributes = {
      user: requester,
      verb: "impersonate",
      resourceRequest: true,
      path: "",
      apiGroup: "",
      apiVersion: "v1",
      subresource: "",
      ...wanted,
    };
    const decision = authorize(store, attributes);
    if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
  }
  if (username === ANONYMOUS_USER.username) {
    return { username, groups: groups.includes(UNAUTHENTICATED_GROUP) ? groups : [...groups, UNAUTHENTICATED_GROUP] };
  }
  const all = groups.length === 0 && serviceAccount ? serviceAccountGroups(serviceAccount.namespace) : groups;
  return { username, groups: all.includes(AUTHENTICATED_GROUP) ? all : [...all, AUTHENTICATED_GROUP] };
}

/** A header's values, whether sent once, repeated, or comma-joined by Node. */
function headerValues(header: string | string[] | undefined): string[] {
  const raw = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return raw
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter(Boolean);
}
