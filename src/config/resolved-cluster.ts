import type { ResolvedCluster } from "./types.js";

const REDACTED = "[redacted]";

/**
 * Builds a `ResolvedCluster` whose secrets stay out of logs: the TLS key and the password are
 * non-enumerable (so `JSON.stringify`, pino and `util.inspect` skip them) and `toJSON` marks them `[redacted]`.
 */
export function createResolvedCluster(fields: Omit<ResolvedCluster, "toJSON">): ResolvedCluster {
  const cluster = { ...fields } as ResolvedCluster;
  if (fields.tls) {
    const { key, ...visible } = fields.tls;
    cluster.tls = visible;
    if (key !== undefined) hide(cluster.tls, "key", key);
  }
  if (fields.auth) {
    cluster.auth = { username: fields.auth.username } as ResolvedCluster["auth"] & object;
    hide(cluster.auth, "password", fields.auth.password);
  }
  hide(cluster, "toJSON", function toJSON(this: ResolvedCluster): Record<string, unknown> {
    return {
      ...this,
      ...(this.tls ? { tls: { ...this.tls, ...(this.tls.key !== undefined ? { key: REDACTED } : {}) } } : {}),
      ...(this.auth ? { auth: { username: this.auth.username, password: REDACTED } } : {}),
    };
  });
  return cluster;
}

function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
}
