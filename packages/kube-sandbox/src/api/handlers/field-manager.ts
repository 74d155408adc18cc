import type { ApiRequest } from "../api-context.js";
import { ignoredPaths, managerFromUserAgent, type FieldOwnership } from "../patch/managed-fields.js";
import { groupVersion, servesSubresource, type ResourceType } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";

/** The longest `fieldManager` kube-apiserver accepts. */
const MAX_MANAGER_LENGTH = 128;

/**
 * Who a write records as the manager of the fields it sets: `fieldManager`, else (for anything but an apply) what
 * kube-apiserver derives from the user agent. 422 for a `fieldManager` that is too long or not printable.
 */
export function fieldOwnership(request: ApiRequest, type: ResourceType, kind = "CreateOptions"): FieldOwnership {
  const given = request.query.get("fieldManager") ?? "";
  if (given.length > MAX_MANAGER_LENGTH) {
    throw invalidOptions(
      kind,
      "fieldManager",
      "FieldValueTooLong",
      `Too long: may not be more than ${MAX_MANAGER_LENGTH} bytes`,
    );
  }
  if (/[^\x20-\x7e]/.test(given)) {
    throw invalidOptions(
      kind,
      "fieldManager",
      "FieldValueInvalid",
      `Invalid value: "${given}": must be made of printable characters`,
    );
  }
  return {
    manager: given || managerFromUserAgent(request.headers["user-agent"]),
    apiVersion: groupVersion(type),
    now: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    ignore: ignoredPaths(servesSubresource(type, "status")),
  };
}

/** kube-apiserver's 422 for bad request options: `PatchOptions.meta.k8s.io "" is invalid: FIELD: WHY`. */
export function invalidOptions(kind: string, field: string, reason: string, why: string): StatusError {
  return new StatusError(422, "Invalid", `${kind}.meta.k8s.io "" is invalid: ${field}: ${why}`, {
    group: "meta.k8s.io",
    kind,
    causes: [{ reason, message: why, field }],
  });
}
