import type { Request } from "express";
import { z } from "zod";
import { HttpError, parseInput } from "./http.js";

/** How much of an unknown parameter's name an answer repeats. */
const MAX_NAME_SHOWN = 40;

/** One query parameter given at most once; `what` names it in the answer when it is repeated. */
export function singleQueryParameter(what: string): z.ZodString {
  return z.string({ error: `give ${what} once` });
}

/** Reads a route's query parameters, or throws a 400 HttpError; see `queryParameters`. */
export type QueryReader<Shape extends z.ZodRawShape> = (request: Request) => z.output<z.ZodObject<Shape>>;

/**
 * The reader of a route's query parameters, described by `shape` (an empty shape: the route takes none).
 * A parameter the shape does not name, a misspelt or bracketed one (`cluster[]`) included, is answered 400
 * naming it and the allowed ones, never ignored: an ignored filter would answer the unfiltered list. Values
 * are checked by the shape's schemas, with 400 naming the parameter.
 */
export function queryParameters<Shape extends z.ZodRawShape>(shape: Shape): QueryReader<Shape> {
  const allowed = Object.keys(shape);
  const schema = z.object(shape);
  return (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(query).filter((name) => !allowed.includes(name));
    if (unknown.length > 0) {
      const names = unknown.map((name) => JSON.stringify(name.slice(0, MAX_NAME_SHOWN))).join(", ");
      const takes = allowed.length > 0 ? `allowed: ${allowed.join(", ")}` : "this route takes none";
      throw new HttpError(400, `unknown query parameter${unknown.length > 1 ? "s" : ""} ${names}; ${takes}`);
    }
    return parseInput(schema, query, "query parameter");
  };
}
