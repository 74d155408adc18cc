import type { ResponderConfig } from "../core/config/load.js";
import { createIntakeApp } from "../intake/app.js";
import { createPodMembers, podLabelsFromGateway } from "../intake/pod-member.js";
import type { AuthSettings } from "../intake/auth.js";
import type { Logger } from "../core/logger.js";
import type { ServiceResources } from "./run-service.js";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the receiver role needs. */
export interface ReceiverOptions {
  /** The loaded configuration: clusters and alert names. */
  config: ResponderConfig;
  /** The process's queue, modes, Kubernetes gateway and metrics. */
  resources: ServiceResources;
  /** The credentials `/v1/*` requires. */
  auth: AuthSettings;
  /** The process logger. */
  logger: Logger;
  /** Address of the API (`HOST`). */
  host: string;
  /** Port of the API (`PORT`); 0 picks a free one. */
  port: number;
}

/**
 * The receiver: the HTTP API (Alertmanager webhook, recoveries, cluster modes, probes, metrics). It starts
 * whether or not Redis answers; meanwhile `/readyz` and the webhook answer 503, so Alertmanager retries.
 */
export async function startReceiver(options: ReceiverOptions): Promise<HttpListener> {
  const { config, resources, logger } = options;
  if (options.auth.insecureNoAuth && options.auth.token === undefined && options.auth.basic === undefined) {
    logger.warn("the API accepts requests without credentials (--insecure-no-auth); use this for local trials only");
  }
  const app = createIntakeApp({
    config,
    queue: resources.queue,
    modes: resources.modes,
    podMembers: createPodMembers({
      catalog: config.catalog,
      readPodLabels: podLabelsFromGateway(resources.kubernetes),
    }),
    auth: options.auth,
    metrics: resources.metrics,
    logger,
  });
  const listener = await listen(app, options.host, options.port);
  logger.info({ role: "receiver", host: listener.host, port: listener.port }, "listening");
  return listener;
}

/** A listening HTTP server. */
export interface HttpListener {
  /** The port it listens on (the one picked when asked for 0). */
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  /**
   * Stops accepting connections, closes idle keep-alive connections at once and waits for requests in
   * flight; connections still open after `graceMs` (default 5000) are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves `app` on `host:port`; rejects (for example with EADDRINUSE) when the port cannot be bound. */
export async function listen(app: RequestListener, host: string, port: number): Promise<HttpListener> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    host,
    close: (graceMs = 5000) => (closing ??= closeServer(server, graceMs)),
  };
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // Alertmanager keeps connections alive between notifications; idle ones would hold the close forever.
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
