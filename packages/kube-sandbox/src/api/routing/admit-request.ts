import type { IncomingMessage } from "node:http";
import type { ApiContext } from "../api-context.js";
import { authenticateRequest } from "../auth/authenticate-request.js";
import { impersonatedUser } from "../auth/impersonation.js";
import { ANONYMOUS_USER, type UserInfo } from "../auth/user-info.js";
import { authorize } from "../rbac/authorize.js";
import { forbiddenError } from "../rbac/forbidden.js";
import { requestAttributes } from "../rbac/request-attributes.js";
import { StatusError } from "../status-error.js";

/** Paths a request without credentials may reach, as kube-apiserver's anonymous conditions allow for probes. */
const ANONYMOUS_PATHS = /^\/(healthz|livez|readyz)(\/.*)?$/;

/**
 * Authenticates and authorizes a request before any handler runs: 401 `Unauthorized` for credentials that
 * authenticate no one, or none at all (but on the health paths); 403 for what RBAC does not allow the user (or
 * for impersonating a user it may not). Returns the user the request acts as.
 */
export function admitRequest(ctx: ApiContext, req: IncomingMessage, method: string, url: URL): UserInfo {
  const authentication = authenticateRequest(req, ctx.tokens, ctx.store);
  let user: UserInfo;
  if (authentication.kind === "authenticated") {
    user = authentication.user;
  } else if (authentication.kind === "no credentials" && ANONYMOUS_PATHS.test(url.pathname)) {
    user = ANONYMOUS_USER;
  } else {
    const why = authentication.kind === "rejected" ? authentication.why : "no credentials";
    ctx.logger.debug({ method, path: url.pathname, why }, "request not authenticated");
    throw unauthorized();
  }
  user = impersonatedUser(user, req.headers, ctx.store);
  const attributes = requestAttributes(user, method, url);
  const decision = authorize(ctx.store, attributes);
  if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
  return user;
}

/** kube-apiserver's answer to a request it cannot authenticate. */
export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}
