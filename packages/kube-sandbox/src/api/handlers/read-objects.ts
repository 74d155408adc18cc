import type { ApiContext, ApiRequest } from "../api-context.js";
import { tableRequest } from "../http/accept.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { queryFlag } from "../http/query.js";
import { objectFilter } from "../objects/object-filter.js";
import { groupVersion } from "../resource-catalog.js";
import { buildTable } from "../tables/build-table.js";
import { printerFor } from "../tables/printers.js";
import { serveWatch } from "../watch/serve-watch.js";

/** GET of one object, as JSON or as a Table for `kubectl get NAME`. */
export function getObject(ctx: ApiContext, request: ApiRequest): Reply {
  const { route } = request;
  if (queryFlag(request.query, "watch")) {
    // The old per-object watch path: a watch of the collection narrowed to the name.
    const query = new URLSearchParams(request.query);
    const byName = `metadata.name=${route.name!}`;
    const fields = query.get("fieldSelector");
    query.set("fieldSelector", fields ? `${fields},${byName}` : byName);
    return serveWatch(ctx, { ...request, query, route: { ...route, name: undefined } });
  }
  const obj = ctx.store.require(route.resource, route.namespace, route.name!);
  const table = tableRequest(request.headers.accept, request.query.get("includeObject"));
  if (!table) return jsonReply(200, obj);
  return jsonReply(
    200,
    buildTable([obj], printerFor(route.resource), { request: table, resourceVersion: obj.metadata.resourceVersion }),
  );
}

/** GET of a collection: a `<Kind>List` (or a Table), or a watch with `watch=true`. */
export function listObjects(ctx: ApiContext, request: ApiRequest): Reply {
  const { route } = request;
  if (queryFlag(request.query, "watch")) return serveWatch(ctx, request);
  const filter = objectFilter(route.resource, route.namespace, request.query);
  const resourceVersion = ctx.store.resourceVersion;
  const items = ctx.store.list(route.resource, route.namespace, filter);
  const table = tableRequest(request.headers.accept, request.query.get("includeObject"));
  if (table) return jsonReply(200, buildTable(items, printerFor(route.resource), { request: table, resourceVersion }));
  return jsonReply(200, {
    kind: `${route.type.kind}List`,
    apiVersion: groupVersion(route.type),
    metadata: { resourceVersion },
    items,
  });
}
