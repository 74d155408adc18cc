import type { ResolvedCluster } from "../../core/config/types.js";
import type { EtcdConnection } from "./types.js";

/**
 * How to reach a configured cluster. Copies the TLS key and the password by name: they are
 * non-enumerable on the resolved cluster (kept out of logs), so a spread copy would lose them.
 */
export function etcdConnectionFor(cluster: ResolvedCluster): EtcdConnection {
  const { tls, auth } = cluster;
  return {
    clientURLs: cluster.members.map((member) => member.clientURL),
    ...(tls
      ? {
          tls: {
            ca: tls.ca,
            ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
            ...(tls.key !== undefined ? { key: tls.key } : {}),
          },
        }
      : {}),
    ...(auth ? { auth: { username: auth.username, password: auth.password } } : {}),
    ...(cluster.clusterID !== undefined ? { clusterID: cluster.clusterID } : {}),
  };
}
