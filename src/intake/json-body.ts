import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { HttpError } from "./http-error.js";

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
