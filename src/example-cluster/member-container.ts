import type { ResolvedExampleClusterOptions } from "./example-cluster-options.js";
import { memberServiceName } from "./member-names.js";
import { CLIENT_PORT, DATA_MOUNT_PATH, METRICS_PORT, PEER_PORT, TLS_MOUNT_PATH } from "./member-ports.js";

/** Address on which other members and clients reach member `index`. */
export function memberHost(o: ResolvedExampleClusterOptions, index: number): string {
  if (o.addressing.kind === "service-dns") return memberServiceName(o.name, index);
  const ip = o.addressing.ips[index - 1];
  if (ip === undefined) throw new RangeError(`no address for member ${index}`);
  return ip;
}

/** `--initial-cluster`: every member's name and peer URL. */
export function initialCluster(o: ResolvedExampleClusterOptions): string {
  const entries: string[] = [];
  for (let i = 1; i <= o.members; i++) {
    entries.push(`${memberServiceName(o.name, i)}=http://${memberHost(o, i)}:${PEER_PORT}`);
  }
  return entries.join(",");
}

/** The `etcd` container of member `index`. */
export function memberContainer(o: ResolvedExampleClusterOptions, index: number): Record<string, unknown> {
  const fixed = o.addressing.kind === "fixed-ips";
  // In the sandbox every Pod has its own loopback address and must not grab the ports on all of them.
  const listen = fixed ? "$(POD_IP)" : "0.0.0.0";
  const host = memberHost(o, index);
  const client = o.tls ? "https" : "http";

  const args = [
    `--name=${memberServiceName(o.name, index)}`,
    `--data-dir=${DATA_MOUNT_PATH}/default.etcd`,
    `--listen-client-urls=${client}://${listen}:${CLIENT_PORT}`,
    `--advertise-client-urls=${client}://${host}:${CLIENT_PORT}`,
    `--listen-peer-urls=http://${listen}:${PEER_PORT}`,
    `--initial-advertise-peer-urls=http://${host}:${PEER_PORT}`,
    `--listen-metrics-urls=http://${listen}:${METRICS_PORT}`,
    `--initial-cluster=${initialCluster(o)}`,
    `--initial-cluster-state=${o.initialClusterState}`,
    `--initial-cluster-token=${o.name}`,
  ];
  if (o.tls) {
    args.push(
      `--cert-file=${TLS_MOUNT_PATH}/tls.crt`,
      `--key-file=${TLS_MOUNT_PATH}/tls.key`,
      `--trusted-ca-file=${TLS_MOUNT_PATH}/ca.crt`,
      "--client-cert-auth",
    );
  }

  // POD_IP comes first: Kubernetes expands $(VAR) only from variables defined earlier in the list.
  const env: Record<string, unknown>[] = [];
  if (fixed) env.push({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
  env.push({ name: "ETCDCTL_API", value: "3" });
  // `kubectl exec POD -- etcdctl ...` must talk to the Pod's own member. Without TLS over service DNS the
  // default endpoint (127.0.0.1:2379) already does; a TLS certificate names the member's address instead.
  if (fixed) env.push({ name: "ETCDCTL_ENDPOINTS", value: `${client}://$(POD_IP):${CLIENT_PORT}` });
  else if (o.tls) env.push({ name: "ETCDCTL_ENDPOINTS", value: `${client}://${host}:${CLIENT_PORT}` });
  if (o.tls) {
    env.push(
      { name: "ETCDCTL_CACERT", value: `${TLS_MOUNT_PATH}/ca.crt` },
      { name: "ETCDCTL_CERT", value: `${TLS_MOUNT_PATH}/tls.crt` },
      { name: "ETCDCTL_KEY", value: `${TLS_MOUNT_PATH}/tls.key` },
    );
  }

  const volumeMounts: Record<string, unknown>[] = [{ name: "data", mountPath: DATA_MOUNT_PATH }];
  if (o.tls) volumeMounts.push({ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true });

  return {
    name: "etcd",
    image: o.image,
    command: ["etcd"],
    args,
    env,
    ports: [
      { name: "client", containerPort: CLIENT_PORT, protocol: "TCP" },
      { name: "peer", containerPort: PEER_PORT, protocol: "TCP" },
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
    ],
    // /health answers only once the member sees a leader, so "Ready" means "serving the cluster".
    readinessProbe: {
      httpGet: { path: "/health", port: METRICS_PORT },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      failureThreshold: 3,
    },
    volumeMounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
  };
}
