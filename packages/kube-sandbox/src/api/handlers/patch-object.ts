import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { isDryRun } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { incomingObject } from "../objects/incoming-object.js";
import { writeUpdate } from "../objects/write-update.js";
import { checkFields } from "../openapi/field-validation.js";
import { applyPatch } from "../patch/apply-patch.js";
import { isJsonObject } from "../patch/json-value.js";
import { StatusError } from "../status-error.js";

/** PATCH of an object (merge, strategic merge or JSON patch): 200 with the stored object. */
export async function patchObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  const body = await request.body();
  const next = incomingObject(route, patchedObject(request.headers["content-type"], current, body));
  checkFields(route.type, next, request, "PatchOptions", body);
  return jsonReply(200, writeUpdate(ctx, route.type, next, current, isDryRun(request.query)));
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
