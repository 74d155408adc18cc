import type { ObjectStore } from "../object-store.js";

/** The port of the `kubernetes` Service, as on every cluster. */
export const KUBERNETES_SERVICE_PORT = 443;
/** The name of the Service (in `default`) by which Pods reach the API server. */
const SERVICE_NAME = "kubernetes";
/** The label that keeps the endpointslice mirroring controller off the `kubernetes` Endpoints. */
const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";

/** Where the `kubernetes` Service points. */
export interface KubernetesServiceTarget {
  /** The Service's cluster IP, which Pods connect to on port 443. */
  clusterIP: string;
  /** The address the API server listens on, which the Service proxy forwards to. */
  apiServerHost: string;
  /** The API server's port there. */
  apiServerPort: number;
}

/**
 * Makes the `kubernetes` Service in `default` and its Endpoints and EndpointSlice (both named `kubernetes`),
 * as kube-apiserver does for itself: `https` on port 443 of `clusterIP`, forwarded to the API server's address.
 * The Endpoints carry the skip-mirror label, as kube-apiserver writes the slice itself.
 */
export function registerKubernetesService(store: ObjectStore, target: KubernetesServiceTarget): void {
  const metadata = { name: SERVICE_NAME, namespace: "default" };
  const port = { name: "https", port: target.apiServerPort, protocol: "TCP" };
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { ...metadata, labels: { component: "apiserver", provider: "kubernetes" } },
    spec: {
      type: "ClusterIP",
      clusterIP: target.clusterIP,
      clusterIPs: [target.clusterIP],
      sessionAffinity: "None",
      ports: [{ name: "https", port: KUBERNETES_SERVICE_PORT, protocol: "TCP", targetPort: target.apiServerPort }],
    },
  });
  store.create("endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { ...metadata, labels: { [SKIP_MIRROR_LABEL]: "true" } },
    subsets: [{ addresses: [{ ip: target.apiServerHost }], ports: [port] }],
  });
  store.create("endpointslices.discovery.k8s.io", {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { ...metadata, labels: { "kubernetes.io/service-name": SERVICE_NAME } },
    addressType: "IPv4",
    endpoints: [{ addresses: [target.apiServerHost], conditions: { ready: true } }],
    ports: [port],
  });
}
