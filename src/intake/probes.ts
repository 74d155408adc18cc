import { messageOf } from "../core/errors.js";
import express, { type Express, type Request, type Response } from "express";
import { pino } from "pino";
import { httpLogging } from "./request-log.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import { errorHandler, notFoundHandler, servedMethods } from "./http.js";

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

/** What the probe routes answer from. */
export interface ProbeRoutesOptions {
  /** Whose metrics `/metrics` serves. */
  metrics: Metrics;
  /** Resolves when the process can do its work; rejects with an error whose message says why not. */
  ready: () => Promise<void>;
  /** How long `/readyz` waits for `ready`, ms; default `2000`. */
  readyTimeoutMs?: number;
  /** Starts the 503 sentence, naming what is missing, e.g. `redis unreachable`; default `not ready`. */
  unreadyPrefix?: string;
}

const DEFAULT_READY_TIMEOUT_MS = 2000;

/**
 * Adds `GET /healthz` (the process answers), `GET /readyz` (200 when `ready` resolves in time, else 503)
 * and `GET /metrics` (Prometheus text). None of them needs credentials.
 */
export function addProbeRoutes(app: Express, options: ProbeRoutesOptions): void {
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const prefix = options.unreadyPrefix ?? "not ready";
  app.get("/healthz", (_request: Request, response: Response) => {
    response.status(200).json({ status: "ok" });
  });
  app.get("/readyz", async (_request: Request, response: Response) => {
    const problem = await readinessProblem(options.ready, timeoutMs);
    if (problem === undefined) response.status(200).json({ status: "ready" });
    else response.status(503).json({ error: `${prefix}: ${problem}` });
  });
  app.get("/metrics", async (_request: Request, response: Response) => {
    const text = await options.metrics.render();
    response.status(200).type(options.metrics.contentType).send(text);
  });
}

/** Why the process is not ready, or undefined when it is. */
async function readinessProblem(ready: () => Promise<void>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const check = Promise.resolve()
    .then(ready)
    .then(
      () => undefined,
      (error: unknown) => messageOf(error),
    );
  try {
    return await Promise.race([check, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
