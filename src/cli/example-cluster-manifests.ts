import { isIPv4 } from "node:net";
import { memberLabels, memberSelectorLabels } from "../core/labels.js";
import { stringify } from "yaml";

/**
 * The objects of an etcd cluster with one Deployment per member, as the recovery expects it:
 * for each member, its Service then its Deployment. Throws `ExampleClusterOptionsError` on bad options.
 */
export function generateExampleCluster(options: ExampleClusterOptions): Manifest[] {
  const o = validateExampleClusterOptions(options);
  const objects: Manifest[] = [];
  for (let index = 1; index <= o.members; index++) {
    objects.push(memberService(o, index), memberDeployment(o, index));
  }
  return objects;
}

/** How members find each other: by Service name on a real cluster, by fixed addresses in the sandbox. */
type MemberAddressing =
  /**
   * Each member is reached as `NAMEN`, the name of its Service, through cluster DNS. With `clusterIPs`, the
   * Service of member N also holds `clusterIPs[N-1]`, so clients outside the cluster's DNS (the sandbox's
   * host) can reach it at a known address.
   */
  | { kind: "service-dns"; clusterIPs?: string[] }
  /**
   * Member N is reached at `ips[N-1]`, which its Service holds as `clusterIP` and its Pod listens on,
   * so the address survives the Pod being re-created just as a Service address does.
   */
  | { kind: "fixed-ips"; ips: string[] };

/** What `generateExampleCluster` builds. */
export interface ExampleClusterOptions {
  /** Cluster name, e.g. `example`: a DNS-1035 label of at most 62 characters (member Services are `NAMEN`). */
  name: string;
  /** Number of members, 1 to 9. */
  members: number;
  /**
   * Namespace written into every generated object; default none, so the objects go where they are
   * applied (`kubectl apply -n NS`, or the context's namespace).
   */
  namespace?: string;
  /** Container image running `etcd`; default `quay.io/coreos/etcd:v3.4.23`. */
  image?: string;
  /** How members address each other (real cluster or sandbox). */
  addressing: MemberAddressing;
  /**
   * Serve clients over TLS with client-certificate auth, from this Secret (`tls.crt`, `tls.key`, `ca.crt`). Default:
   * plain HTTP.
   */
  tls?: { secretName: string };
  /** `--initial-cluster-state`: `new` to bootstrap, `existing` to join a running cluster. Default `new`. */
  initialClusterState?: "new" | "existing";
}

/** The etcd release Debian ships (3.4), so the sandbox and a real cluster run the same version. */
export const DEFAULT_ETCD_IMAGE = "quay.io/coreos/etcd:v3.4.23";

/** Options with every default filled in. */
interface ResolvedExampleClusterOptions extends ExampleClusterOptions {
  image: string;
  initialClusterState: "new" | "existing";
}

/** A Kubernetes object as the generator writes it: plain JSON, ready for YAML or the API. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** An option of the example cluster generator is invalid; the message names the option and the rule. */
export class ExampleClusterOptionsError extends Error {
  override readonly name = "ExampleClusterOptionsError";

  constructor(
    /** The offending option, e.g. `name`, `addressing.ips`. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    Object.setPrototypeOf(this, ExampleClusterOptionsError.prototype);
  }
}

/**
 * Most members a cluster may have: one digit keeps `NAMEN` unambiguous, and etcd advises against more than 7 anyway.
 */
const MAX_MEMBERS = 9;

/** A DNS-1035 label: a lowercase letter, then lowercase letters, digits and '-', ending with a letter or digit. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: labels of lowercase letters, digits and '-' joined by '.'. */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Fills in defaults and checks every option, throwing `ExampleClusterOptionsError` on the first bad one. */
function validateExampleClusterOptions(o: ExampleClusterOptions): ResolvedExampleClusterOptions {
  // A Service name is a DNS-1035 label (letter first) of at most 63 characters, and `NAMEN` adds one digit.
  const image = validateSharedOptions(o, 62, "member Services are named NAME followed by the member number");
  validateAddressing(o);
  const initialClusterState = o.initialClusterState ?? "new";
  if (initialClusterState !== "new" && initialClusterState !== "existing") {
    throw new ExampleClusterOptionsError(
      "initialClusterState",
      `must be "new" or "existing", got ${JSON.stringify(initialClusterState)}`,
    );
  }
  return { ...o, image, initialClusterState };
}

/** The options both example layouts take. */
export type SharedExampleOptions = Pick<ExampleClusterOptions, "name" | "members" | "namespace" | "image" | "tls">;

/**
 * Checks the options both layouts share (name, members, namespace, image, TLS Secret) and returns the image,
 * defaulted. The name is a DNS-1035 label of at most `maxNameLength` characters; `nameReason` says why the limit.
 */
export function validateSharedOptions(o: SharedExampleOptions, maxNameLength: number, nameReason: string): string {
  if (typeof o.name !== "string" || !DNS_1035_LABEL.test(o.name) || o.name.length > maxNameLength) {
    throw new ExampleClusterOptionsError(
      "name",
      `${JSON.stringify(o.name)} is not a valid cluster name: use lowercase letters, digits and '-', ` +
        `start with a letter, end with a letter or digit, at most ${maxNameLength} characters (${nameReason})`,
    );
  }
  if (!Number.isInteger(o.members) || o.members < 1 || o.members > MAX_MEMBERS) {
    throw new ExampleClusterOptionsError(
      "members",
      `must be a whole number from 1 to ${MAX_MEMBERS}, got ${String(o.members)}`,
    );
  }
  if (
    o.namespace !== undefined &&
    (typeof o.namespace !== "string" || !DNS_1123_LABEL.test(o.namespace) || o.namespace.length > 63)
  ) {
    throw new ExampleClusterOptionsError(
      "namespace",
      `${JSON.stringify(o.namespace)} is not a valid namespace: use lowercase letters, digits and '-', ` +
        "start and end with a letter or digit, at most 63 characters",
    );
  }
  const image = o.image ?? DEFAULT_ETCD_IMAGE;
  if (typeof image !== "string" || image === "" || /\s/.test(image)) {
    throw new ExampleClusterOptionsError(
      "image",
      `must be a non-empty image reference without spaces, got ${JSON.stringify(image)}`,
    );
  }
  if (o.tls !== undefined) {
    const secret = o.tls.secretName;
    if (typeof secret !== "string" || !DNS_1123_SUBDOMAIN.test(secret) || secret.length > 253) {
      throw new ExampleClusterOptionsError("tls.secretName", `${JSON.stringify(secret)} is not a valid Secret name`);
    }
  }
  return image;
}

function validateAddressing(o: ExampleClusterOptions): void {
  const addressing = o.addressing;
  if (addressing?.kind === "service-dns") {
    const ips = addressing.clusterIPs;
    if (ips !== undefined) validateAddresses(o.members, "addressing.clusterIPs", ips);
    return;
  }
  if (addressing?.kind !== "fixed-ips") {
    throw new ExampleClusterOptionsError("addressing.kind", `must be "service-dns" or "fixed-ips"`);
  }
  validateAddresses(o.members, "addressing.ips", addressing.ips);
}

/** One distinct IPv4 address per member, or an error naming `option`. */
function validateAddresses(members: number, option: string, ips: unknown): void {
  if (!Array.isArray(ips) || ips.length !== members) {
    throw new ExampleClusterOptionsError(
      option,
      `needs exactly one IPv4 address per member (${members}), got ${Array.isArray(ips) ? ips.length : "none"}`,
    );
  }
  const seen = new Set<unknown>();
  for (const ip of ips) {
    if (typeof ip !== "string" || !isIPv4(ip))
      throw new ExampleClusterOptionsError(option, `${JSON.stringify(ip)} is not an IPv4 address`);
    if (seen.has(ip)) throw new ExampleClusterOptionsError(option, `${ip} is given to more than one member`);
    seen.add(ip);
  }
}

/** Deployment of member `index` of cluster `cluster`: `example-3`. Its Pods are `example-3-<hash>-<suffix>`. */
export function memberDeploymentName(cluster: string, index: number): string {
  return `${cluster}-${index}`;
}

/** Service of member `index`, which is also the member's etcd name and host name: `example3`. */
export function memberServiceName(cluster: string, index: number): string {
  return `${cluster}${index}`;
}

/** etcd's client port (gRPC and HTTP API). */
export const CLIENT_PORT = 2379;
/** etcd's peer port (raft between members). */
export const PEER_PORT = 2380;
/** Plain-HTTP port serving `/health` and `/metrics`, even when clients use TLS, so a probe needs no certificate. */
export const METRICS_PORT = 2381;

/** Where the member's data volume is mounted; etcd's data dir is `default.etcd` in it. */
export const DATA_MOUNT_PATH = "/var/run/etcd";
/** Where the TLS Secret is mounted when clients use TLS. */
export const TLS_MOUNT_PATH = "/etc/etcd/tls";

/** The etcd container's named ports. */
export function etcdContainerPorts(): Record<string, unknown>[] {
  return [
    { name: "client", containerPort: CLIENT_PORT, protocol: "TCP" },
    { name: "peer", containerPort: PEER_PORT, protocol: "TCP" },
    { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
  ];
}

/** /health answers only once the member sees a leader, so "Ready" means "serving the cluster". */
export function etcdReadinessProbe(): Record<string, unknown> {
  return {
    httpGet: { path: "/health", port: METRICS_PORT },
    initialDelaySeconds: 0,
    periodSeconds: 1,
    failureThreshold: 3,
  };
}

/** etcd needs no privilege and writes only to its data volume. */
export function etcdSecurityContext(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };
}

/** Service `NAMEN`: the stable name (or, in the sandbox, the stable address) of member `index`. */
function memberService(o: ResolvedExampleClusterOptions, index: number): Manifest {
  const spec: Record<string, unknown> = {};
  const clusterIPs = o.addressing.kind === "fixed-ips" ? o.addressing.ips : o.addressing.clusterIPs;
  if (clusterIPs) spec.clusterIP = clusterIPs[index - 1];
  Object.assign(spec, {
    selector: memberSelectorLabels(o.name, index),
    // Peers must reach a member before it is Ready: it becomes Ready only once the cluster has a leader.
    publishNotReadyAddresses: true,
    ports: [
      { name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT, protocol: "TCP" },
      { name: "peer", port: PEER_PORT, targetPort: PEER_PORT, protocol: "TCP" },
    ],
  });
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: memberServiceName(o.name, index),
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels: memberLabels(o.name, index),
    },
    spec,
  };
}

/** Address on which other members and clients reach member `index`. */
function memberHost(o: ResolvedExampleClusterOptions, index: number): string {
  if (o.addressing.kind === "service-dns") return memberServiceName(o.name, index);
  const ip = o.addressing.ips[index - 1];
  if (ip === undefined) throw new RangeError(`no address for member ${index}`);
  return ip;
}

/** `--initial-cluster`: every member's name and peer URL. */
function initialCluster(o: ResolvedExampleClusterOptions): string {
  const entries: string[] = [];
  for (let i = 1; i <= o.members; i++) {
    entries.push(`${memberServiceName(o.name, i)}=http://${memberHost(o, i)}:${PEER_PORT}`);
  }
  return entries.join(",");
}

/** The `etcd` container of member `index`. */
function memberContainer(o: ResolvedExampleClusterOptions, index: number): Record<string, unknown> {
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
    ports: etcdContainerPorts(),
    readinessProbe: etcdReadinessProbe(),
    volumeMounts,
    securityContext: etcdSecurityContext(),
  };
}

/** Deployment `NAME-N`: one Pod running member `index`, its data on ephemeral storage. */
function memberDeployment(o: ResolvedExampleClusterOptions, index: number): Manifest {
  const volumes: Record<string, unknown>[] = [{ name: "data", emptyDir: {} }];
  if (o.tls) volumes.push({ name: "tls", secret: { secretName: o.tls.secretName } });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: memberDeploymentName(o.name, index),
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels: memberLabels(o.name, index),
    },
    spec: {
      replicas: 1,
      // Two Pods of one member would fight over its identity: the old Pod goes before the new one starts.
      strategy: { type: "Recreate" },
      selector: { matchLabels: memberSelectorLabels(o.name, index) },
      template: {
        metadata: { labels: memberLabels(o.name, index) },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [memberContainer(o, index)],
          volumes,
        },
      },
    },
  };
}

/** Objects as one multi-document YAML text, as `kubectl apply -f` reads it. */
export function renderYaml(objects: Manifest[]): string {
  // lineWidth 0: a folded `--initial-cluster` argument would be hard to read and to diff.
  return objects.map((obj) => stringify(obj, { lineWidth: 0 })).join("---\n");
}
