import type { Logger } from "../core/logger.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";

/**
 * The Kubernetes gateway of a process, made on first use: its module holds the Kubernetes client, the largest
 * part of the process's code (some 60 MiB resident), which a receiver needs only for a Pod named outside the
 * naming convention. A failed load (a kubeconfig broken since start-up) is not kept: the next call tries again.
 */
export type KubernetesAccess = () => Promise<KubernetesGateway>;

/** Access that loads the gateway module and makes the gateway the first time it is asked, then answers that one. */
export function kubernetesAccess(logger: Logger): KubernetesAccess {
  let loading: Promise<KubernetesGateway> | undefined;
  return () =>
    (loading ??= import("../gateways/kubernetes/kubernetes-gateway.js")
      .then(({ createKubernetesGateway }) => createKubernetesGateway({ logger }))
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      }));
}
