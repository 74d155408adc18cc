import type { Express, Request, Response } from "express";
import type { Metrics } from "../observability/metrics.js";

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
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  try {
    return await Promise.race([check, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
