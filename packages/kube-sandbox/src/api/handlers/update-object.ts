import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { incomingObject } from "../objects/incoming-object.js";
import { writeUpdate } from "../objects/write-update.js";
import { checkFields } from "../openapi/field-validation.js";
import { recordUpdate, setManagedFields } from "../patch/managed-fields.js";
import { fieldOwnership } from "./field-manager.js";

/**
 * PUT of an object: 200 with the stored object, which records an `Update` of the fields it changes; 404 when
 * missing, 409 on a stale resourceVersion.
 */
export async function updateObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const ownership = fieldOwnership(request, route.type, "UpdateOptions");
  const raw = await request.body();
  const next = incomingObject(route, decodeObjectBody(request.headers["content-type"], raw));
  checkFields(route.type, next, request, "UpdateOptions", raw);
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  const record = (obj: KubeObject) => setManagedFields(obj, recordUpdate(current, obj, ownership));
  return jsonReply(200, writeUpdate(ctx, route.type, next, current, isDryRun(request.query), record));
}
