import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import type { z } from "zod";
import { formatKeyPath } from "../core/config/schema.js";
import { NotConfiguredError, retryableOf, messageOf } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/**
 * An answer other than success, decided by the intake itself: the status and a sentence saying what is
 * wrong and, where it helps, what to send instead. The error handler answers `{"error": message}`.
 */
export class HttpError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;

  constructor(status: number, message: string, headers: Readonly<Record<string, string | readonly string[]>> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** What to answer for one error. */
interface ErrorAnswer {
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
function answerFor(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) return { status: error.status, message: error.message, headers: error.headers };
  const parserError = bodyParserAnswer(error);
  if (parserError) return parserError;
  if (error instanceof NotConfiguredError) {
    return { status: error.kind === "ambiguous-cluster" ? 400 : 404, message: error.message };
  }
  // Only a failure that says so is worth sending again; anything else is a bug, which another try repeats.
  if (retryableOf(error) === true) {
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
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
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

/** Largest request body accepted, in bytes (1 MiB); larger bodies are answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * Reads a JSON request body: 415 for a body of another content type, then the body parser
 * (413 over `MAX_BODY_BYTES`, 400 for malformed JSON). A request without a body gets `req.body` undefined.
 */
export function jsonBody(): RequestHandler[] {
  return [requireJsonContentType, express.json({ limit: MAX_BODY_BYTES, type: JSON_TYPES, strict: true })];
}

function requireJsonContentType(request: Request, _response: Response, next: NextFunction): void {
  // Without a body (or with an empty one) the route's validation says what was expected.
  if (request.headers["content-length"] === "0") return next();
  // `is` answers null for a request without a body, which the route's validation handles too.
  if (request.is(JSON_TYPES) !== false) return next();
  const given = request.headers["content-type"];
  const message = given
    ? `unsupported content type ${JSON.stringify(given)}: send the body as JSON with Content-Type: application/json`
    : "missing Content-Type: send the body as JSON with Content-Type: application/json";
  next(new HttpError(415, message));
}

const MAX_PROBLEMS_SHOWN = 5;

/**
 * Validates a request body (or query) with `schema`; throws a 400 HttpError naming each bad field's
 * path: `invalid request body: alerts[0].labels: expected an object of strings`.
 * Messages name fields and expected types, never the values sent, so they are safe to log.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
  if (input === undefined) throw new HttpError(400, `missing ${what}: expected a JSON object`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, `invalid ${what}: ${describeIssues(result.error.issues)}`);
}

/** One clause per problem, `path: message`, at most five of them. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const clauses: string[] = [];
  for (const issue of issues) {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    const message = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
    for (const path of paths) {
      const where = formatKeyPath(path);
      clauses.push(where ? `${where}: ${message}` : message);
    }
  }
  const shown = clauses.slice(0, MAX_PROBLEMS_SHOWN).join("; ");
  return clauses.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${clauses.length - MAX_PROBLEMS_SHOWN} more` : shown;
}

/** One method and path template an app answers, e.g. `GET /v1/recoveries/:id`. */
export interface ServedRoute {
  /** Uppercase HTTP method. */
  method: string;
  /** The Express path template. */
  path: string;
}

/** The parts of Express's router this module reads. */
interface RouteLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * Every route registered directly on `app`, in registration order; the OpenAPI test compares them with the document.
 */
export function servedRoutes(app: Express): ServedRoute[] {
  return routeLayers(app).flatMap((layer) =>
    typeof layer.route?.path === "string"
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== "_all")
          .map((method) => ({ method: method.toUpperCase(), path: layer.route?.path as string }))
      : [],
  );
}

/** The methods `app` answers on `path` (GET implies HEAD); empty when no route serves the path. */
export function servedMethods(app: Express, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of routeLayers(app)) {
    if (!layer.route) continue;
    let matched: unknown;
    try {
      matched = layer.match(path);
    } catch {
      // A malformed %-escape matches no route.
      matched = false;
    }
    if (!matched) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === "_all") continue;
      methods.add(method.toUpperCase());
      if (method === "get") methods.add("HEAD");
    }
  }
  return [...methods];
}

function routeLayers(app: Express): RouteLayer[] {
  return (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
}
