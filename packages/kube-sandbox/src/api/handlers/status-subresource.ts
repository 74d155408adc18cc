import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { incomingObject } from "../objects/incoming-object.js";
import { StatusError } from "../status-error.js";
import { patchedObject } from "./patch-object.js";

/**
 * `.../NAME/status`: GET answers the object; PUT and PATCH change only `.status` (everything else
 * in the body is ignored), with the resourceVersion of the body as precondition.
 */
export async function statusSubresource(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route, method } = request;
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  if (method === "GET") return jsonReply(200, current);
  const body = await request.body();
  const incoming =
    method === "PUT"
      ? incomingObject(route, decodeObjectBody(request.headers["content-type"], body))
      : incomingObject(route, patchedObject(request.headers["content-type"], current, body));
  const next: KubeObject = {
    ...current,
    metadata: { ...current.metadata, resourceVersion: incoming.metadata.resourceVersion },
    status: incoming.status,
  };
  if (next.status === undefined) delete next.status;
  if (isDryRun(request.query)) {
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw StatusError.conflict(route.type.plural, route.type.group, current.metadata.name);
    }
    return jsonReply(200, { ...next, metadata: current.metadata });
  }
  return jsonReply(200, ctx.store.update(route.resource, next));
}
