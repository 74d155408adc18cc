/** Redis key of a cluster's mode hash (`mode`, `source`, `reason`, `since`); absent means the configured default. */
export function modeKey(prefix: string, namespace: string, cluster: string): string {
  // Namespaces and cluster names are DNS labels, so `/` cannot be part of either.
  return `${prefix}:mode:${namespace}/${cluster}`;
}

/** Redis key of a cluster's failed-recovery times (a sorted set scored by ms since the epoch). */
export function failuresKey(prefix: string, namespace: string, cluster: string): string {
  return `${prefix}:failures:${namespace}/${cluster}`;
}
