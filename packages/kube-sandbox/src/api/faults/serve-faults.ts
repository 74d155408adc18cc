import type { IncomingMessage } from "node:http";
import type { ApiContext } from "../api-context.js";
import { authenticateRequest } from "../auth/authenticate-request.js";
import { SYSTEM_MASTERS } from "../auth/user-info.js";
import { httpErrors } from "../http/http-errors.js";
import { parseJsonBody, readRawBody } from "../http/read-body.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { unauthorized } from "../routing/admit-request.js";
import { parseFaultSpec } from "./fault-spec.js";

/** Where the fault switch is served: not a Kubernetes path, so no Kubernetes client reaches it by accident. */
export const FAULTS_PATH = "/sandbox/faults";

/**
 * Serves the fault switch: `GET` reports the faults, `POST` turns one on (201 with its state), `DELETE` turns
 * every fault off (200 with what they did). Only the sandbox's admin may: a client certificate of the sandbox's
 * CA in `system:masters`, acting as itself (no impersonation); a ServiceAccount token, or a user RBAC lets do
 * everything, is refused (403).
 */
export async function serveFaults(ctx: ApiContext, req: IncomingMessage, method: string): Promise<Reply> {
  const authentication = authenticateRequest(req, ctx.tokens, ctx.store);
  if (authentication.kind !== "authenticated") throw unauthorized();
  const { user, by } = authentication;
  const impersonating = req.headers["impersonate-user"] !== undefined || req.headers["impersonate-group"] !== undefined;
  if (by !== "client certificate" || !user.groups.includes(SYSTEM_MASTERS) || impersonating) {
    throw httpErrors.forbidden(
      `User "${user.username}" cannot use the sandbox's fault switch: it is for the sandbox's admin only ` +
        `(a client certificate in ${SYSTEM_MASTERS}, not impersonating)`,
    );
  }
  switch (method) {
    case "GET":
      return jsonReply(200, ctx.faults.report());
    case "POST": {
      const fault = ctx.faults.turnOn(parseFaultSpec(parseJsonBody(await readRawBody(req))));
      ctx.logger.info({ fault, user: user.username }, "fault turned on");
      return jsonReply(201, fault);
    }
    case "DELETE": {
      const report = ctx.faults.clear();
      ctx.logger.info({ faults: report.faults.length, user: user.username }, "faults turned off");
      return jsonReply(200, report);
    }
    default:
      throw httpErrors.methodNotAllowed(method);
  }
}
