import { AppsV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../../core/logger.js";
import { ClientNodeGateway } from "./client-node-gateway.js";
import { keepAliveConfiguration } from "./keep-alive-configuration.js";
import { loadKubeConfig } from "./load-kube-config.js";
import type { KubernetesGateway } from "./kubernetes-gateway.js";

/** How to reach Kubernetes. */
export interface KubernetesGatewayOptions {
  /**
   * Where the API server is and how to authenticate. Default: loaded from the usual places, in order
   * `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account (a ConfigError when none works).
   */
  kubeConfig?: KubeConfig;
  /** The process logger; the gateway logs under the child `{ name: "kubernetes" }`. */
  logger: Logger;
  /** `source.component` and `reportingComponent` of the Events it records; default `etcd-responder`. */
  component?: string;
  /** Rounds of read, change, replace before `updateDeployment` gives up on 409 conflicts; default 5. */
  updateAttempts?: number;
}

/** Creates the gateway the recovery uses to read and change Kubernetes objects; throws a ConfigError for a bad kubeconfig. */
export function createKubernetesGateway(options: KubernetesGatewayOptions): KubernetesGateway {
  const updateAttempts = options.updateAttempts ?? 5;
  if (!Number.isInteger(updateAttempts) || updateAttempts < 1) {
    throw new RangeError(`updateAttempts must be a whole number of at least 1, got ${updateAttempts}`);
  }
  const kubeConfig = options.kubeConfig ?? loadKubeConfig();
  const configuration = keepAliveConfiguration(kubeConfig);
  return new ClientNodeGateway({
    kubeConfig,
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    logger: options.logger.child({ name: "kubernetes" }),
    component: options.component ?? "etcd-responder",
    updateAttempts,
    now: Date.now,
  });
}
