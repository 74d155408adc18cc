/** How members find each other: by Service name on a real cluster, by fixed addresses in the sandbox. */
export type MemberAddressing =
  /** Each member is reached as `NAMEN`, the name of its Service, through cluster DNS. */
  | { kind: "service-dns" }
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
  /** Namespace of every generated object, e.g. `default`. */
  namespace: string;
  /** Container image running `etcd`; default `quay.io/coreos/etcd:v3.4.23`. */
  image?: string;
  /** How members address each other (real cluster or sandbox). */
  addressing: MemberAddressing;
  /** Serve clients over TLS with client-certificate auth, from this Secret (`tls.crt`, `tls.key`, `ca.crt`). Default: plain HTTP. */
  tls?: { secretName: string };
  /** `--initial-cluster-state`: `new` to bootstrap, `existing` to join a running cluster. Default `new`. */
  initialClusterState?: "new" | "existing";
}

/** The etcd release Debian ships (3.4), so the sandbox and a real cluster run the same version. */
export const DEFAULT_ETCD_IMAGE = "quay.io/coreos/etcd:v3.4.23";

/** Options with every default filled in. */
export interface ResolvedExampleClusterOptions extends ExampleClusterOptions {
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
