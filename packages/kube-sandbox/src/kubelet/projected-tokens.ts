import type { IssuedToken, ServiceAccountTokens } from "../api/auth/service-account-tokens.js";
import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { VolumeSetupError } from "./errors.js";

/** What a projected `serviceAccountToken` source asks for. */
export interface TokenRequest {
  /** Who the token is for; default the API server's audience. */
  audience?: string;
  /** How long it should live, seconds. */
  expirationSeconds: number;
}

/** Issues the tokens of projected `serviceAccountToken` sources, as the kubelet asks the API server's TokenRequest. */
export interface ProjectedTokenIssuer {
  /** A token of the Pod's ServiceAccount bound to the Pod; throws `VolumeSetupError` when there can be none. */
  issue(pod: KubeObject, request: TokenRequest): IssuedToken;
}

/** Options of `storeTokenIssuer`. */
export interface StoreTokenIssuerOptions {
  /** The node the Pods run on, named in their tokens. */
  nodeName: string;
  /**
   * Longest lifetime of a token, seconds, as kube-apiserver's `--service-account-max-token-expiration` caps it;
   * default none. Short ones let tests see tokens replaced.
   */
  maxExpirationSeconds?: number;
}

/** Issues projected tokens with `tokens`, reading the Pod's ServiceAccount and Node from `store`. */
export function storeTokenIssuer(
  store: ObjectStore,
  tokens: ServiceAccountTokens,
  options: StoreTokenIssuerOptions,
): ProjectedTokenIssuer {
  return {
    issue(pod, request) {
      const namespace = pod.metadata.namespace ?? "default";
      const spec = (pod.spec ?? {}) as { serviceAccountName?: string; serviceAccount?: string };
      const name = spec.serviceAccountName || spec.serviceAccount || "default";
      const serviceAccount = store.get("serviceaccounts", namespace, name);
      if (!serviceAccount) throw new VolumeSetupError(`failed to fetch token: serviceaccounts "${name}" not found`);
      const cap = options.maxExpirationSeconds;
      return tokens.issue({
        serviceAccount,
        pod,
        node: store.get("nodes", undefined, options.nodeName),
        audiences: request.audience ? [request.audience] : undefined,
        expirationSeconds: cap === undefined ? request.expirationSeconds : Math.min(cap, request.expirationSeconds),
      });
    },
  };
}
