/** etcd's client port (gRPC and HTTP API). */
export const CLIENT_PORT = 2379;
/** etcd's peer port (raft between members). */
export const PEER_PORT = 2380;
/** Plain-HTTP port serving `/health` and `/metrics`, even when clients use TLS, so a probe needs no certificate. */
export const METRICS_PORT = 2381;

/** Where the member's data lives; an `emptyDir`, so a re-created Pod starts empty. */
export const DATA_MOUNT_PATH = "/var/run/etcd";
/** Where the TLS Secret is mounted when clients use TLS. */
export const TLS_MOUNT_PATH = "/etc/etcd/tls";
