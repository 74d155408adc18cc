import { StatusError } from "../status-error.js";
import type { RequestAttributes } from "./request-attributes.js";

/**
 * The 403 kube-apiserver answers a request authorization denied, e.g. `pods is forbidden: User "u" cannot
 * list resource "pods" in API group "" in the namespace "default"`, followed by RBAC's reason when it has one.
 */
export function forbiddenError(attributes: RequestAttributes, reason: string): StatusError {
  const why = reason ? `${whatWasDenied(attributes)}: ${reason}` : whatWasDenied(attributes);
  if (!attributes.resourceRequest) return new StatusError(403, "Forbidden", `forbidden: ${why}`);
  const { apiGroup, resource, name } = attributes;
  const qualified = apiGroup ? `${resource}.${apiGroup}` : resource;
  const subject = name ? `${qualified} "${name}"` : qualified;
  return new StatusError(403, "Forbidden", `${subject} is forbidden: ${why}`, {
    ...(name ? { name } : {}),
    ...(apiGroup ? { group: apiGroup } : {}),
    kind: resource,
  });
}

function whatWasDenied(attributes: RequestAttributes): string {
  const { user, verb } = attributes;
  if (!attributes.resourceRequest) return `User "${user.username}" cannot ${verb} path "${attributes.path}"`;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const where = attributes.namespace ? `in the namespace "${attributes.namespace}"` : "at the cluster scope";
  return `User "${user.username}" cannot ${verb} resource "${resource}" in API group "${attributes.apiGroup}" ${where}`;
}
