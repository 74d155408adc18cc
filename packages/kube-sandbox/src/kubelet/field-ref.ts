import type { KubeObject } from "../api/object-store.js";
import { ContainerConfigError } from "./errors.js";
import { goQuote } from "./go-quote.js";

/** What the downward API reads beyond the Pod object: the addresses the kubelet gave it. */
export interface PodAddresses {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

/**
 * The value of a `valueFrom.fieldRef.fieldPath` (the downward API), e.g. `status.podIP`,
 * `metadata.labels['app']`. An unsupported path is a configuration error, as in Kubernetes.
 */
export function resolveFieldRef(pod: KubeObject, addresses: PodAddresses, fieldPath: string): string {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const keyed = fieldPath.match(/^metadata\.(labels|annotations)\['(.*)'\]$/);
  if (keyed) {
    const map = keyed[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[keyed[2] ?? ""] ?? "";
  }
  switch (fieldPath) {
    case "metadata.name":
      return meta.name;
    case "metadata.namespace":
      return meta.namespace ?? "default";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return typeof spec.nodeName === "string" && spec.nodeName ? spec.nodeName : addresses.nodeName;
    case "spec.serviceAccountName":
      return typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : "default";
    case "status.podIP":
    case "status.podIPs":
      return addresses.podIP;
    case "status.hostIP":
    case "status.hostIPs":
      return addresses.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** `key="value"` lines, sorted by key, each value quoted as Go's `%q`, as the downward API renders a map. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${goQuote(map?.[key] ?? "")}`)
    .join("\n");
}
