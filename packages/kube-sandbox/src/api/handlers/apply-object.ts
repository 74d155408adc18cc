import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { isDryRun, queryFlag } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { incomingObject, withoutServerFields } from "../objects/incoming-object.js";
import { writeUpdate } from "../objects/write-update.js";
import { parseApplyPatch } from "../patch/apply-patch.js";
import { serverSideApply } from "../patch/managed-fields.js";
import { storeNewObject } from "./create-object.js";
import { fieldOwnership, invalidOptions } from "./field-manager.js";

/**
 * Server-side apply (PATCH with `application/apply-patch+yaml`): `fieldManager` is required (422 as
 * kube-apiserver answers without it), `force=true` takes over conflicting fields. An object that does not exist is
 * created from the applied configuration (201); otherwise 200 with the stored object.
 */
export function applyObject(ctx: ApiContext, request: ApiRequest, body: Buffer): Reply {
  const { route } = request;
  if (!request.query.get("fieldManager")) {
    throw invalidOptions(
      "PatchOptions",
      "fieldManager",
      "FieldValueRequired",
      "Required value: is required for apply patch",
    );
  }
  const ownership = fieldOwnership(request, route.type, "PatchOptions");
  const force = queryFlag(request.query, "force");
  const dryRun = isDryRun(request.query);
  const config = incomingObject(route, parseApplyPatch(body));
  const current = ctx.store.get(route.resource, route.namespace, route.name!);
  const result = serverSideApply(current, config, ownership, force) as KubeObject;
  if (!current) {
    const { managedFields } = result.metadata;
    const obj = withoutServerFields(result);
    if (managedFields) obj.metadata.managedFields = managedFields;
    return jsonReply(
      201,
      storeNewObject(ctx, route, obj, dryRun, () => undefined),
    );
  }
  return jsonReply(200, writeUpdate(ctx, route.type, result, current, dryRun));
}
