import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AuthSettings } from "./auth.js";
import { credentialsCheck } from "./credentials.js";
import { HttpError } from "./http-error.js";

const REALM = 'realm="etcd-responder"';

/**
 * Rejects a request without the configured credentials with 401 and `WWW-Authenticate`. The header is
 * read, never logged or echoed.
 */
export function requireCredentials(settings: AuthSettings): RequestHandler {
  const challenges = [
    ...(settings.token !== undefined ? [`Bearer ${REALM}`] : []),
    ...(settings.basic !== undefined ? [`Basic ${REALM}`] : []),
  ];
  const hint =
    settings.token !== undefined || settings.basic === undefined
      ? "send Authorization: Bearer <token>"
      : "send Authorization: Basic <base64 of user:password>";
  const accepted = credentialsCheck(settings);
  return (request: Request, _response: Response, next: NextFunction) => {
    if (accepted(request.headers.authorization)) return next();
    next(new HttpError(401, `missing or invalid credentials: ${hint}`, { "WWW-Authenticate": challenges }));
  };
}
