import type { ResponderConfig } from "../core/config/load.js";
import { createIntakeApp } from "../intake/app.js";
import { createMemberOfPod, podLabelsFromGateway } from "../intake/pod-member.js";
import type { AuthSettings } from "../intake/auth.js";
import type { Logger } from "../core/logger.js";
import { listen, type HttpListener } from "./http-listener.js";
import type { ServiceResources } from "./service-resources.js";

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
    memberOfPod: createMemberOfPod({
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
