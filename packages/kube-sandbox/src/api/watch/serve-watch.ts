import type { ApiContext, ApiRequest } from "../api-context.js";
import { tableRequest } from "../http/accept.js";
import { queryFlag, queryInt } from "../http/query.js";
import type { Reply } from "../http/respond.js";
import { objectFilter } from "../objects/object-filter.js";
import { StatusError } from "../status-error.js";
import { printerFor } from "../tables/printers.js";
import { WatchStream } from "./watch-stream.js";

/**
 * Answers `?watch=true` on a collection: 200 with a chunked stream of events. Bad selectors or
 * versions answer 400 before the stream starts.
 */
export function serveWatch(ctx: ApiContext, request: ApiRequest): Reply {
  const { route, query, res } = request;
  const filter = objectFilter(route.resource, route.namespace, query);
  const rv = query.get("resourceVersion");
  if (rv && !/^\d+$/.test(rv)) throw StatusError.badRequest(`invalid resource version "${rv}"`);
  // A watch-list asks for the current state first whatever version it names.
  const sendInitialEvents = queryFlag(query, "sendInitialEvents");
  const fromVersion = rv && rv !== "0" && !sendInitialEvents ? Number(rv) : undefined;
  const timeoutSeconds = queryInt(query, "timeoutSeconds");
  const table = tableRequest(request.headers.accept, query.get("includeObject"));

  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();

  // The fault switch cuts the connection without the stream's last chunk, as a restarted server does.
  const forgetWatch = ctx.faults.trackWatch(() => res.destroy());
  // How a server shutdown ends this watch; the stream removes it again when it closes.
  const closer = () => stream.close();
  const stream = new WatchStream({
    res,
    store: ctx.store,
    resource: route.resource,
    type: route.type,
    filter,
    ...(table ? { table: { request: table, printer: printerFor(route.resource) } } : {}),
    ...(queryFlag(query, "allowWatchBookmarks") ? { bookmarkIntervalMs: ctx.bookmarkIntervalMs } : {}),
    ...(timeoutSeconds !== undefined && timeoutSeconds > 0 ? { timeoutMs: timeoutSeconds * 1000 } : {}),
    markInitialEventsEnd: sendInitialEvents,
    onClose: () => {
      ctx.openStreams.delete(closer);
      forgetWatch();
      ctx.logger.debug({ path: request.req.url?.split("?")[0] }, "watch closed");
    },
  });
  ctx.openStreams.add(closer);
  stream.start(fromVersion);
  return { streaming: true };
}
