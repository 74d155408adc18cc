import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import { incomingObject } from "../objects/incoming-object.js";
import { writeUpdate } from "../objects/write-update.js";
import { checkFields } from "../openapi/field-validation.js";

/** PUT of an object: 200 with the stored object; 404 when missing, 409 on a stale resourceVersion. */
export async function updateObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const contentType = request.headers["content-type"];
  const raw = await request.body();
  const next = incomingObject(route, decodeObjectBody(contentType, raw));
  checkFields(route.type, next, request, "UpdateOptions", raw);
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  return jsonReply(200, writeUpdate(ctx, route.type, next, current, isDryRun(request.query)));
}
