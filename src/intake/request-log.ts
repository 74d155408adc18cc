import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";

/** What the request log and the HTTP metrics need. */
export interface HttpLoggingOptions {
  /** Where the request lines go; one line per answered request. */
  logger: Logger;
  /** Where the request counts and durations go. */
  metrics: Metrics;
  /**
   * Routes logged at `debug` instead of `info`, because probes and scrapes come every few seconds; default the probes
   * and `/metrics`.
   */
  quietRoutes?: readonly string[];
}

/** Route label of requests that matched no route, so unknown paths cannot grow the metric's series without bound. */
export const UNMATCHED_ROUTE = "unmatched";

/** The probes and `/metrics`: logged at `debug` unless they fail. */
export const DEFAULT_QUIET_ROUTES: readonly string[] = ["/healthz", "/readyz", "/metrics"];

/**
 * Logs one line per answered request (method, route template, path, status, duration, and for a refused
 * request the `response.locals.problem` sentence; never headers or bodies, so credentials cannot leak)
 * and records the request in the HTTP metrics.
 */
export function httpLogging(options: HttpLoggingOptions): RequestHandler {
  const quiet = new Set(options.quietRoutes ?? DEFAULT_QUIET_ROUTES);
  return (request: Request, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (aborted: boolean) => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(request);
      const status = response.statusCode;
      options.metrics.observeHttpRequest({ route, method: request.method, code: status }, seconds);
      const fields = {
        method: request.method,
        route,
        path: request.path,
        status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...(typeof response.locals.problem === "string" ? { problem: response.locals.problem } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      if (quiet.has(route) && status < 400) options.logger.debug(fields, "request");
      else options.logger.info(fields, "request");
    };
    response.once("finish", () => record(false));
    // A client that hangs up before the answer still gets its line.
    response.once("close", () => record(!response.writableFinished));
    next();
  };
}

/** The template of the route that answered (`/v1/recoveries/:id`), or `unmatched`. */
function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}
