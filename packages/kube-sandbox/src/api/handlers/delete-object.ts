import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, successStatus, type Reply } from "../http/respond.js";
import { decodeBody } from "../http/request-object.js";
import type { KubeObject } from "../object-store.js";
import { objectFilter } from "../objects/object-filter.js";
import { groupVersion } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import { checkPreconditions, deleteRequest } from "./delete-request.js";

/** DELETE of an object: 200 with the object still present (Terminating) or a Status Success. */
export async function deleteObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const parsed = deleteRequest(request.query, decodeBody(request.headers["content-type"], await request.body()));
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  checkPreconditions(current, parsed.preconditions, route.type.plural, route.type.group);
  if (parsed.dryRun) return jsonReply(200, current);
  const remaining = ctx.deleteObject(route.resource, route.namespace, route.name!, parsed.options);
  if (remaining) return jsonReply(200, remaining);
  return jsonReply(
    200,
    successStatus({
      details: {
        name: current.metadata.name,
        group: route.type.group,
        kind: route.type.plural,
        uid: current.metadata.uid,
      },
    }),
  );
}

/** DELETE of a collection (with selectors): 200 with a list of what was deleted. */
export async function deleteCollection(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const parsed = deleteRequest(request.query, decodeBody(request.headers["content-type"], await request.body()));
  const filter = objectFilter(route.resource, route.namespace, request.query);
  const items: KubeObject[] = [];
  for (const obj of ctx.store.list(route.resource, route.namespace, filter)) {
    if (parsed.dryRun) {
      items.push(obj);
      continue;
    }
    try {
      items.push(ctx.deleteObject(route.resource, obj.metadata.namespace, obj.metadata.name, parsed.options) ?? obj);
    } catch (error) {
      // Something else deleted it meanwhile: that is what was asked for.
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
  return jsonReply(200, {
    kind: `${route.type.kind}List`,
    apiVersion: groupVersion(route.type),
    metadata: { resourceVersion: ctx.store.resourceVersion },
    items,
  });
}
