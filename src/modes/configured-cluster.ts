import type { ResolvedCluster, ResponderConfig } from "../config/index.js";
import { UnknownClusterError } from "./unknown-cluster-error.js";

/** The configured cluster `namespace/name`; throws an UnknownClusterError when there is none. */
export function configuredCluster(config: ResponderConfig, namespace: string, name: string): ResolvedCluster {
  const cluster = config.clusters.find((c) => c.name === name && c.namespace === namespace);
  if (!cluster) throw new UnknownClusterError(namespace, name);
  return cluster;
}
