/** Where containers reach the API server: the `kubernetes` Service's cluster IP and port, or its own address. */
export interface ApiServerEndpoint {
  /** An IPv4 address that works from inside a Pod. */
  host: string;
  /** The TCP port there. */
  port: number;
}

/**
 * The variables the kubelet gives every container for the API server, as it does for the `kubernetes` Service
 * of `default`: `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`, `KUBERNETES_SERVICE_PORT_HTTPS` and the
 * Docker-link style `KUBERNETES_PORT*` ones.
 */
export function apiServerEnv({ host, port }: ApiServerEndpoint): Map<string, string> {
  const url = `tcp://${host}:${port}`;
  const prefix = `KUBERNETES_PORT_${port}_TCP`;
  return new Map([
    ["KUBERNETES_SERVICE_HOST", host],
    ["KUBERNETES_SERVICE_PORT", String(port)],
    ["KUBERNETES_SERVICE_PORT_HTTPS", String(port)],
    ["KUBERNETES_PORT", url],
    [prefix, url],
    [`${prefix}_PROTO`, "tcp"],
    [`${prefix}_PORT`, String(port)],
    [`${prefix}_ADDR`, host],
  ]);
}
