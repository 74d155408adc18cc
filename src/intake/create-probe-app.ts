import express, { type Express } from "express";
import { pino } from "pino";
import { httpLogging } from "../observability/http-logging.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { errorHandler, notFoundHandler } from "./error-handler.js";
import { addProbeRoutes } from "./probe-routes.js";
import { servedMethods } from "./served-routes.js";

/** What the probe server of a process answers from. */
export interface ProbeAppOptions {
  /** The process's own metrics, served on `/metrics`. */
  metrics: Metrics;
  /** Resolves when the process can do its work; rejects with an error saying why not. */
  ready: () => Promise<void>;
  /** Starts the `/readyz` 503 sentence, e.g. `redis unreachable`; default `not ready`. */
  unreadyPrefix?: string;
  /** How long `/readyz` waits for `ready`, ms; default `2000`. */
  readyTimeoutMs?: number;
  /** Request lines and failures go to a child `{ name: "probes" }`; default none. */
  logger?: Logger;
}

/** A server with `/healthz`, `/readyz` and `/metrics` only, for a process without the API (the worker). */
export function createProbeApp(options: ProbeAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  const logger = options.logger?.child({ name: "probes" });
  if (logger) app.use(httpLogging({ logger, metrics: options.metrics }));
  addProbeRoutes(app, options);
  app.use(notFoundHandler((path) => servedMethods(app, path)));
  app.use(errorHandler(logger ?? pino({ enabled: false })));
  return app;
}
