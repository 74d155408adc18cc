import type { ErrorRequestHandler, NextFunction, Request, Response } from "express";
import { UnknownClusterError } from "../modes/unknown-cluster-error.js";
import type { Logger } from "../observability/logger.js";
import { UnknownMemberError } from "../queue/unknown-member-error.js";
import { HttpError } from "./http-error.js";
import { isRetryable } from "./is-retryable.js";
import { MAX_BODY_BYTES } from "./json-body.js";

/** What to answer for one error. */
export interface ErrorAnswer {
  /** The HTTP status. */
  status: number;
  /** The sentence sent as `{"error": message}`. */
  message: string;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Allow`. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** What the request log line may say instead of `message`, when `message` quotes what the client sent. */
  logged?: string;
  /** Whether to log the error with its cause (server-side failures only). */
  log?: "warn" | "error";
}

/**
 * Decides the answer to an error: the intake's own HttpErrors as they are, body parser failures as
 * 400/413/415, transient failures (Redis, Kubernetes) as 503 so Alertmanager sends again, and anything
 * else as 500 with a generic sentence (the details go to the log only).
 */
export function answerFor(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) return { status: error.status, message: error.message, headers: error.headers };
  const parserError = bodyParserAnswer(error);
  if (parserError) return parserError;
  // The routes check the configuration first; these come only if it and the queue or modes disagree.
  if (error instanceof UnknownClusterError || error instanceof UnknownMemberError)
    return { status: 404, message: error.message };
  if (isRetryable(error)) {
    // The 503 status says "try again"; the message says what is down.
    return { status: 503, message: messageOf(error), log: "warn" };
  }
  return { status: 500, message: "internal error; the details are in the service log", log: "error" };
}

/** Express error middleware answering `{"error": "..."}` for every failure. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request: Request, response: Response, next: NextFunction) => {
    // The answer has started; all that is left is to cut the connection, which Express's own handler does.
    if (response.headersSent) return next(error);
    const answer = answerFor(error);
    if (answer.log) {
      logger[answer.log](
        { err: error, method: request.method, path: request.path, status: answer.status },
        "request failed",
      );
    }
    for (const [name, value] of Object.entries(answer.headers ?? {}))
      response.setHeader(name, value as string | string[]);
    response.locals.problem = answer.logged ?? answer.message;
    response.status(answer.status).json({ error: answer.message });
  };
}

/** 404 for a path no route serves, 405 with `Allow` for a served path asked with another method. */
export function notFoundHandler(allowedMethods: (path: string) => string[]) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const allowed = allowedMethods(request.path);
    if (allowed.length > 0) {
      next(
        new HttpError(405, `method ${request.method} is not allowed on ${request.path}; use ${allowed.join(" or ")}`, {
          Allow: allowed.join(", "),
        }),
      );
      return;
    }
    next(new HttpError(404, `no route ${request.method} ${request.path}; the API is described in openapi.yaml`));
  };
}

/** Failures of express.json, recognised by the `type` the body parser puts on them. */
function bodyParserAnswer(error: unknown): ErrorAnswer | undefined {
  const shape = error as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof shape !== "object" || shape === null) return undefined;
  switch (shape.type) {
    case "entity.parse.failed":
      // The parser's message quotes the body, which stays out of the log.
      return { status: 400, message: `invalid JSON: ${messageOf(error)}`, logged: "invalid JSON" };
    case "entity.too.large":
      return { status: 413, message: `request body too large: the limit is ${MAX_BODY_BYTES} bytes (1 MiB)` };
    case "charset.unsupported":
    case "encoding.unsupported":
      return { status: 415, message: `${messageOf(error)}: send UTF-8 JSON` };
    case "request.aborted":
      return { status: 400, message: "the request was aborted before its body was complete" };
    case "request.size.invalid":
      return { status: 400, message: "the request body's length does not match its Content-Length" };
  }
  // The router cannot decode a %-escape of the path.
  if (error instanceof URIError)
    return { status: 400, message: `invalid percent-encoding in the path: ${messageOf(error)}` };
  // Other client errors of the body parser (e.g. a corrupt gzip body), marked by http-errors as safe to show.
  if (typeof shape.status === "number" && shape.status >= 400 && shape.status < 500 && shape.expose === true) {
    return { status: shape.status, message: messageOf(error) };
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
