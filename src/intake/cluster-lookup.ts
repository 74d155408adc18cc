import type { ResolvedCluster, ResponderConfig } from "../config/index.js";
import { HttpError } from "./http-error.js";

/**
 * The configured cluster called `name` (in `namespace`, when given). Throws a 404 HttpError listing the
 * configured clusters when there is none, and a 400 when the name alone fits clusters in several namespaces.
 */
export function requireCluster(
  config: Pick<ResponderConfig, "clusters">,
  name: string,
  namespace?: string,
): ResolvedCluster {
  const matches = config.clusters.filter(
    (c) => c.name === name && (namespace === undefined || c.namespace === namespace),
  );
  if (matches.length > 1) {
    const namespaces = matches.map((c) => c.namespace).join(", ");
    throw new HttpError(
      400,
      `cluster name "${name}" is used in several namespaces (${namespaces}); say which with "namespace"`,
    );
  }
  const [cluster] = matches;
  if (!cluster) {
    const where = namespace === undefined ? `"${name}"` : `"${name}" in namespace "${namespace}"`;
    throw new HttpError(404, `no configured cluster ${where}; configured clusters: ${configuredClusters(config)}`);
  }
  return cluster;
}

/** Throws a 404 HttpError when the cluster has no member `member`. */
export function requireMember(cluster: ResolvedCluster, member: number): void {
  if (member < 1 || member > cluster.members.length) {
    throw new HttpError(
      404,
      `cluster ${cluster.namespace}/${cluster.name} has members 1 to ${cluster.members.length}; there is no member ${member}`,
    );
  }
}

/** `namespace/name` of every configured cluster, comma-separated, for messages. */
export function configuredClusters(config: Pick<ResponderConfig, "clusters">): string {
  return config.clusters.map((c) => `${c.namespace}/${c.name}`).join(", ");
}
