import express, { type Express } from "express";
import type { ResponderConfig } from "../core/config/load.js";
import type { ClusterModes } from "../queue/cluster-modes.js";
import { DEFAULT_QUIET_ROUTES, httpLogging } from "./request-log.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { RecoveryQueue } from "../queue/recovery-queue.js";
import { type AuthSettings, requireCredentials } from "./auth.js";
import { errorHandler, jsonBody, notFoundHandler, servedMethods } from "./http.js";
import type { PodMembers } from "./pod-member.js";
import { addProbeRoutes } from "./probes.js";
import { alertsRoute } from "./alerts.js";
import { listClustersRoute, setClusterModeRoute } from "./clusters.js";
import { createRecoveryRoute, getRecoveryRoute, listRecoveriesRoute } from "./recoveries.js";

/** What the HTTP intake is built from. */
export interface IntakeDeps {
  /** The configuration: the clusters, and `service.alertNames`, the alerts that start a recovery. */
  config: ResponderConfig;
  /** Where recovery requests go and recoveries are read from. */
  queue: RecoveryQueue;
  /** Per-cluster modes; a paused cluster gets no recoveries. */
  modes: ClusterModes;
  /** Maps the Pods alerts and requests name to configured members; see `createPodMembers`. */
  podMembers: PodMembers;
  /** The credentials `/v1/*` requires; see `readAuthSettings`. */
  auth: AuthSettings;
  /** This process's metrics, also served on `/metrics`. */
  metrics: Metrics;
  /** The process logger; the intake logs through a child `{ name: "intake" }`. */
  logger: Logger;
  /** Alert names that start a recovery, overriding `config.service.alertNames`; default that list. */
  alertNames?: readonly string[];
  /** How long `/readyz` waits for Redis, ms; default `2000`. */
  readyTimeoutMs?: number;
}

/**
 * The receiver's HTTP API: the Alertmanager webhook, manual recoveries, recovery history, cluster modes,
 * and the probes. Every `/v1/*` route needs credentials; every failure answers `{"error": "..."}`.
 */
export function createIntakeApp(deps: IntakeDeps): Express {
  const logger = deps.logger.child({ name: "intake" });
  const app = express();
  app.disable("x-powered-by");
  // Answers are small JSON that clients never fetch conditionally; hashing each one for an ETag is waste.
  app.disable("etag");
  // A successful notification is logged once, by the webhook's own "notification received" line.
  app.use(httpLogging({ logger, metrics: deps.metrics, quietRoutes: [...DEFAULT_QUIET_ROUTES, "/v1/alerts"] }));

  addProbeRoutes(app, {
    metrics: deps.metrics,
    ready: () => deps.queue.ping(),
    unreadyPrefix: "redis unreachable",
    ...(deps.readyTimeoutMs !== undefined ? { readyTimeoutMs: deps.readyTimeoutMs } : {}),
  });

  // Credentials are checked before a body is read, so an unauthenticated client cannot make the service parse.
  const auth = requireCredentials(deps.auth);
  const json = jsonBody();
  const routeDeps = { ...deps, catalog: deps.config.catalog, logger };
  app.post(
    "/v1/alerts",
    auth,
    ...json,
    alertsRoute({ ...routeDeps, alertNames: deps.alertNames ?? deps.config.service.alertNames }),
  );
  app.post("/v1/recoveries", auth, ...json, createRecoveryRoute(routeDeps));
  app.get("/v1/recoveries", auth, listRecoveriesRoute(routeDeps));
  app.get("/v1/recoveries/:id", auth, getRecoveryRoute(routeDeps));
  app.get("/v1/clusters", auth, listClustersRoute(routeDeps));
  app.put("/v1/clusters/:name/mode", auth, ...json, setClusterModeRoute(routeDeps));

  app.use(notFoundHandler((path) => servedMethods(app, path)));
  app.use(errorHandler(logger));
  return app;
}
