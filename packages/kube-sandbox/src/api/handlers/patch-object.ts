import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { isDryRun } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { incomingObject } from "../objects/incoming-object.js";
import { writeUpdate } from "../objects/write-update.js";
import { checkFields } from "../openapi/field-validation.js";
import { APPLY_PATCH, applyPatch, patchMediaType } from "../patch/apply-patch.js";
import { isJsonObject } from "../patch/json-value.js";
import { recordUpdate, setManagedFields } from "../patch/managed-fields.js";
import { StatusError } from "../status-error.js";
import { applyObject } from "./apply-object.js";
import { fieldOwnership, invalidOptions } from "./field-manager.js";

/**
 * PATCH of an object: server-side apply (see `applyObject`), or a merge, strategic merge or JSON patch, which
 * records an `Update` of the fields it changes; 200 with the stored object.
 */
export async function patchObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const contentType = request.headers["content-type"];
  if (patchMediaType(contentType) === APPLY_PATCH) return applyObject(ctx, request, await request.body());
  if (request.query.has("force")) {
    throw invalidOptions(
      "PatchOptions",
      "force",
      "FieldValueForbidden",
      "Forbidden: may not be specified for non-apply patch",
    );
  }
  const ownership = fieldOwnership(request, route.type, "PatchOptions");
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  const body = await request.body();
  const next = incomingObject(route, patchedObject(contentType, current, body));
  checkFields(route.type, next, request, "PatchOptions", body);
  const record = (obj: KubeObject) => setManagedFields(obj, recordUpdate(current, obj, ownership));
  return jsonReply(200, writeUpdate(ctx, route.type, next, current, isDryRun(request.query), record));
}

/** The object a patch makes of `current`; 422 when the result is not an object at all. */
export function patchedObject(
  contentType: string | undefined,
  current: KubeObject,
  body: Buffer,
): Record<string, unknown> {
  const patched = applyPatch(contentType, current, body);
  if (!isJsonObject(patched))
    throw new StatusError(422, "Invalid", "the patch turned the object into something that is not an object");
  return patched;
}
