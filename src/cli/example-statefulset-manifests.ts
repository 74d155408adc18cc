import {
  CLIENT_PORT,
  DNS_1035_LABEL,
  DNS_1123_SUBDOMAIN,
  ExampleClusterOptionsError,
  DATA_MOUNT_PATH,
  METRICS_PORT,
  PEER_PORT,
  TLS_MOUNT_PATH,
  etcdContainerPorts,
  etcdReadinessProbe,
  etcdSecurityContext,
  validateSharedOptions,
  type Manifest,
} from "./example-cluster-manifests.js";

/** What `generateExampleStatefulSet` builds. */
export interface ExampleStatefulSetOptions {
  /**
   * Cluster name, e.g. `example`: the objects' `app.kubernetes.io/instance` label and, unless `statefulSetName` says
   * otherwise, the StatefulSet's and client Service's name; a DNS-1035 label of at most 52 characters (Kubernetes
   * labels each Pod with `NAME-` and a 10-character revision hash, at most 63 in all).
   */
  name: string;
  /**
   * The StatefulSet's name when it differs from the cluster's, as the bitnami chart names it (`RELEASE-etcd` for
   * release `RELEASE`): its Pods, claims, headless Service and client Service are named after it. Default `name`;
   * the same rules.
   */
  statefulSetName?: string;
  /**
   * The cluster's DNS domain, e.g. `cluster.local`: written at the end of the members' URLs
   * (`POD.NAME-headless.NS.svc.cluster.local`), as the bitnami chart writes them. Default none (`...svc`).
   */
  clusterDomain?: string;
  /** Number of members (the StatefulSet's replicas), 1 to 9. */
  members: number;
  /**
   * Namespace written into every generated object and into the members' URLs; default none, so the objects go
   * where they are applied and each Pod reads its namespace from the downward API.
   */
  namespace?: string;
  /** Container image running `etcd`; default `quay.io/coreos/etcd:v3.4.23`. */
  image?: string;
  /**
   * Serve clients over TLS with client-certificate auth, from this Secret (`tls.crt`, `tls.key`, `ca.crt`); the
   * certificate must name `*.NAME-headless.NS.svc`. Default: plain HTTP.
   */
  tls?: { secretName: string };
}

/**
 * Labels of every object of the cluster, and the selector of its Pods: the ones the bitnami etcd chart gives a
 * release (name, instance, component), so that what holds for this layout holds for the chart's.
 */
export function statefulSetLabels(cluster: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "etcd",
    "app.kubernetes.io/instance": cluster,
    "app.kubernetes.io/component": "etcd",
  };
}

/** The headless Service that gives each Pod of StatefulSet `NAME` its DNS name: `NAME-headless`. */
export function headlessServiceName(statefulSet: string): string {
  return `${statefulSet}-headless`;
}

/** Pod (and etcd member name) of `ordinal`: `example-0`. Member index i is ordinal i-1. */
export function statefulSetPodName(statefulSet: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}`;
}

/** The volumeClaimTemplate holding each member's data. */
export const DATA_CLAIM_TEMPLATE = "data";

/** The claim the StatefulSet makes for `ordinal`: `data-example-0`. */
export function dataClaimName(statefulSet: string, ordinal: number): string {
  return `${DATA_CLAIM_TEMPLATE}-${statefulSetPodName(statefulSet, ordinal)}`;
}

/**
 * Host part of a member's URLs, `POD.NAME-headless.NS.svc` (the form the responder assumes for StatefulSet members),
 * followed by `.DOMAIN` when a cluster domain is given. `pod` and `namespace` may be `$(VAR)` references the kubelet
 * expands.
 */
export function memberDnsName(statefulSet: string, pod: string, namespace: string, clusterDomain?: string): string {
  return `${pod}.${headlessServiceName(statefulSet)}.${namespace}.svc${clusterDomain ? `.${clusterDomain}` : ""}`;
}

/** Most characters of a name: `NAME-` plus a 10-character revision hash is a label value, 63 at most. */
const MAX_NAME_LENGTH = 52;

/**
 * The objects of an etcd cluster run by one StatefulSet on PersistentVolumeClaims: the headless Service
 * `SET-headless`, the client Service `SET`, then the StatefulSet `SET` (`SET` is `statefulSetName`, else the cluster
 * name). Every etcd setting comes from `ETCD_*` variables and the downward API, none from flags. Throws
 * `ExampleClusterOptionsError` on bad options.
 */
export function generateExampleStatefulSet(options: ExampleStatefulSetOptions): Manifest[] {
  const image = validateSharedOptions(
    options,
    MAX_NAME_LENGTH,
    "Kubernetes labels each Pod with NAME and a 10-character revision hash",
  );
  const set = options.statefulSetName ?? options.name;
  if (typeof set !== "string" || !DNS_1035_LABEL.test(set) || set.length > MAX_NAME_LENGTH) {
    throw new ExampleClusterOptionsError(
      "statefulSetName",
      `${JSON.stringify(set)} is not a valid StatefulSet name: the same rules as the cluster name`,
    );
  }
  const domain = options.clusterDomain;
  if (domain !== undefined && (typeof domain !== "string" || !DNS_1123_SUBDOMAIN.test(domain))) {
    throw new ExampleClusterOptionsError(
      "clusterDomain",
      `${JSON.stringify(domain)} is not a DNS domain: labels of lowercase letters, digits and '-' joined by '.'`,
    );
  }
  const o = { ...options, image, set };
  return [headlessService(o), clientService(o), statefulSet(o)];
}

/** The options as checked, with the image and the StatefulSet's name resolved. */
type Resolved = ExampleStatefulSetOptions & { image: string; set: string };

function metadata(o: Resolved, name: string): Manifest["metadata"] {
  return { name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: statefulSetLabels(o.name) };
}

/** `SET-headless`: each Pod's DNS name; it lists members before they are Ready, so peers find each other. */
function headlessService(o: Resolved): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(o, headlessServiceName(o.set)),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: statefulSetLabels(o.name),
      ports: [
        { name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT, protocol: "TCP" },
        { name: "peer", port: PEER_PORT, targetPort: PEER_PORT, protocol: "TCP" },
      ],
    },
  };
}

/** `SET`: one address for clients, balanced over the Ready members. */
function clientService(o: Resolved): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(o, o.set),
    spec: {
      type: "ClusterIP",
      selector: statefulSetLabels(o.name),
      ports: [{ name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT, protocol: "TCP" }],
    },
  };
}

/** The namespace as the container sees it: written in, or from the downward API. */
function namespaceRef(o: Resolved): string {
  return o.namespace ?? "$(MY_POD_NAMESPACE)";
}

/** `ETCD_INITIAL_CLUSTER`: every ordinal's name and peer URL. */
function initialCluster(o: Resolved): string {
  const entries: string[] = [];
  for (let ordinal = 0; ordinal < o.members; ordinal++) {
    const pod = statefulSetPodName(o.set, ordinal);
    entries.push(`${pod}=http://${memberDnsName(o.set, pod, namespaceRef(o), o.clusterDomain)}:${PEER_PORT}`);
  }
  return entries.join(",");
}

function etcdContainer(o: Resolved): Record<string, unknown> {
  const client = o.tls ? "https" : "http";
  const self = memberDnsName(o.set, "$(MY_POD_NAME)", namespaceRef(o), o.clusterDomain);
  // The kubelet expands $(VAR) only from variables defined earlier in the list: the downward API comes first.
  const env: Record<string, unknown>[] = [
    { name: "MY_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ];
  if (o.namespace === undefined) {
    env.push({ name: "MY_POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
  }
  const value = (name: string, v: string) => env.push({ name, value: v });
  value("ETCD_NAME", "$(MY_POD_NAME)");
  value("ETCD_DATA_DIR", `${DATA_MOUNT_PATH}/default.etcd`);
  value("ETCD_LISTEN_CLIENT_URLS", `${client}://0.0.0.0:${CLIENT_PORT}`);
  value("ETCD_ADVERTISE_CLIENT_URLS", `${client}://${self}:${CLIENT_PORT}`);
  value("ETCD_LISTEN_PEER_URLS", `http://0.0.0.0:${PEER_PORT}`);
  value("ETCD_INITIAL_ADVERTISE_PEER_URLS", `http://${self}:${PEER_PORT}`);
  value("ETCD_LISTEN_METRICS_URLS", `http://0.0.0.0:${METRICS_PORT}`);
  value("ETCD_INITIAL_CLUSTER", initialCluster(o));
  value("ETCD_INITIAL_CLUSTER_STATE", "new");
  value("ETCD_INITIAL_CLUSTER_TOKEN", o.name);
  value("ETCDCTL_API", "3");
  if (o.tls) {
    value("ETCD_CERT_FILE", `${TLS_MOUNT_PATH}/tls.crt`);
    value("ETCD_KEY_FILE", `${TLS_MOUNT_PATH}/tls.key`);
    value("ETCD_TRUSTED_CA_FILE", `${TLS_MOUNT_PATH}/ca.crt`);
    value("ETCD_CLIENT_CERT_AUTH", "true");
    // `kubectl exec POD -- etcdctl ...` must reach the Pod's own member by a name its certificate holds.
    value("ETCDCTL_ENDPOINTS", `${client}://${self}:${CLIENT_PORT}`);
    value("ETCDCTL_CACERT", `${TLS_MOUNT_PATH}/ca.crt`);
    value("ETCDCTL_CERT", `${TLS_MOUNT_PATH}/tls.crt`);
    value("ETCDCTL_KEY", `${TLS_MOUNT_PATH}/tls.key`);
  }
  const volumeMounts: Record<string, unknown>[] = [{ name: DATA_CLAIM_TEMPLATE, mountPath: DATA_MOUNT_PATH }];
  if (o.tls) volumeMounts.push({ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true });
  return {
    name: "etcd",
    image: o.image,
    command: ["etcd"],
    env,
    ports: etcdContainerPorts(),
    readinessProbe: etcdReadinessProbe(),
    volumeMounts,
    securityContext: etcdSecurityContext(),
  };
}

/** StatefulSet `SET`: Pods `SET-0`.., each on its claim `data-SET-N`, started side by side. */
function statefulSet(o: Resolved): Manifest {
  const podSpec: Record<string, unknown> = { terminationGracePeriodSeconds: 10, containers: [etcdContainer(o)] };
  if (o.tls) podSpec.volumes = [{ name: "tls", secret: { secretName: o.tls.secretName } }];
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: metadata(o, o.set),
    spec: {
      replicas: o.members,
      serviceName: headlessServiceName(o.set),
      // Members must all start for the cluster to have a leader: OrderedReady would wait for a Ready Pod 0 forever.
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      selector: { matchLabels: statefulSetLabels(o.name) },
      template: { metadata: { labels: statefulSetLabels(o.name) }, spec: podSpec },
      volumeClaimTemplates: [
        {
          metadata: { name: DATA_CLAIM_TEMPLATE },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    },
  };
}
