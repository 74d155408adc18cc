import { ConfigError } from "../errors/index.js";
import type { ResolvedCluster, ResponderConfig } from "./types.js";

/**
 * The configured cluster called `name` (in `namespace`, when given); undefined when none is configured.
 * Throws a ConfigError when the name alone is ambiguous because several namespaces hold a cluster of that name.
 */
export function findCluster(config: ResponderConfig, name: string, namespace?: string): ResolvedCluster | undefined {
  const matches = config.clusters.filter(
    (c) => c.name === name && (namespace === undefined || c.namespace === namespace),
  );
  if (matches.length > 1) {
    const namespaces = matches.map((c) => c.namespace).join(", ");
    throw new ConfigError("configuration", {
      keyPath: "clusters",
      message: `cluster name "${name}" is used in several namespaces (${namespaces}); say which namespace`,
    });
  }
  return matches[0];
}
