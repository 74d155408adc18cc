import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiContext, ApiRequest } from "../api-context.js";
import { apiGroup } from "../discovery/api-group.js";
import { apiGroupList, apiResourceList, coreApiVersions, SERVER_VERSION } from "../discovery/discovery.js";
import { httpErrors } from "../http/http-errors.js";
import { readRawBody } from "../http/read-body.js";
import { jsonReply, sendReply, statusReply, type Reply } from "../http/respond.js";
import { serveOpenApi } from "../openapi/serve-openapi.js";
import { StatusError } from "../status-error.js";
import { FAULTS_PATH, serveFaults } from "../faults/serve-faults.js";
import { requestAttributes } from "../rbac/request-attributes.js";
import { admitRequest } from "./admit-request.js";
import { parseApiPath, pathSegments } from "./resource-path.js";
import { resourceHandler } from "./resource-handler.js";

const HEALTH_PATHS = new Set(["healthz", "readyz", "livez"]);

/** Client mistakes worth a warning; 404, 409 and 410 are how clients find things out and stay at debug. */
const WARN_CODES = new Set([400, 405, 413, 415, 422]);

/** Serves one plain (not upgraded) HTTP request; never throws. */
export async function handleRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "https://apiserver.invalid");
  let code: number;
  try {
    code = sendReply(res, await dispatch(ctx, req, res, method, url));
  } catch (error) {
    code = sendFailure(ctx, res, error, method, url.pathname);
  }
  const fields = {
    method,
    path: url.pathname,
    query: url.search || undefined,
    code: code || "stream",
    ms: Date.now() - started,
  };
  if (code >= 500) ctx.logger.error(fields, "request failed");
  else if (WARN_CODES.has(code)) ctx.logger.warn(fields, "request refused");
  else ctx.logger.debug(fields, "request");
}

async function dispatch(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
): Promise<Reply> {
  if (url.pathname === FAULTS_PATH) return serveFaults(ctx, req, method);
  const user = admitRequest(ctx, req, method, url);
  // A fault the sandbox's admin turned on answers in place of the server, once the request is let in.
  const fault = ctx.faults.answerFor(requestAttributes(user, method, url));
  if (fault) throw fault;
  const segments = pathSegments(url.pathname);
  if (!segments) throw StatusError.badRequest("the request path is not validly encoded");
  const first = segments[0] ?? "";
  if (HEALTH_PATHS.has(first)) return getOnly(method, () => ({ code: 200, text: "ok" }));
  if (first === "version" && segments.length === 1) return getOnly(method, () => jsonReply(200, SERVER_VERSION));
  if (first === "api" && segments.length === 1) {
    return getOnly(method, () => jsonReply(200, coreApiVersions(req.headers.host ?? "127.0.0.1")));
  }
  if (first === "apis" && segments.length <= 2) {
    const group = segments.length === 2 ? apiGroup(segments[1]!) : apiGroupList();
    if (!group) throw httpErrors.pathNotFound();
    return getOnly(method, () => jsonReply(200, group));
  }
  if (first === "openapi") return getOnly(method, () => serveOpenApi(segments, url.searchParams, req.headers));
  const path = parseApiPath(segments);
  if (path.kind === "group-version")
    return getOnly(method, () => jsonReply(200, apiResourceList(path.group, path.version)));
  // OpenAPI v3 is served above (src/api/openapi/): kubectl and helm find `fieldValidation` there and leave
  // validation to the server, which checks fields on create, update and patch.
  if (path.kind === "unknown") throw httpErrors.pathNotFound();

  const handler = resourceHandler(path.route, method);
  let body: Promise<Buffer> | undefined;
  const request: ApiRequest = {
    method,
    route: path.route,
    query: url.searchParams,
    headers: req.headers,
    body: () => (body ??= readRawBody(req)),
    req,
    res,
    user,
  };
  return handler(ctx, request);
}

function getOnly(method: string, answer: () => Reply): Reply {
  if (method !== "GET" && method !== "HEAD") throw httpErrors.methodNotAllowed(method);
  return answer();
}

function sendFailure(ctx: ApiContext, res: ServerResponse, error: unknown, method: string, path: string): number {
  const status = error instanceof StatusError ? error : undefined;
  if (!status) ctx.logger.error({ err: error, method, path }, "request handler failed");
  const reply = statusReply(status ?? httpErrors.internal(error instanceof Error ? error.message : String(error)));
  if (res.headersSent) {
    // A stream already under way cannot change its status: cut it so the client sees the failure.
    res.destroy();
    return 500;
  }
  return sendReply(res, reply);
}
