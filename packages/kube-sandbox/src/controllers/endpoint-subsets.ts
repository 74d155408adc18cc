import { isPodReady } from "./pod-readiness.js";
import {
  hostnameUnder,
  isHeadless,
  podReference,
  resolveTargetPort,
  type Service,
  type ServicePort,
} from "./service-pods.js";
import type { Pod } from "./workload-types.js";

/** One address of an Endpoints subset. */
export interface EndpointAddress {
  /** The Pod's IP. */
  ip: string;
  /** The Pod's `spec.hostname`, when its `spec.subdomain` is the Service's name. */
  hostname?: string;
  /** The node that runs the Pod. */
  nodeName?: string;
  /** `kind: Pod`, namespace, name and uid of the Pod. */
  targetRef: Record<string, string>;
}

/** One port of an Endpoints subset: the Service port's name and protocol, the Pod's port number. */
export interface EndpointPort {
  /** The Service port's name; left out when it has none. */
  name?: string;
  /** The port on the Pod the Service port sends to. */
  port: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
  /** The Service port's `appProtocol`, when set. */
  appProtocol?: string;
}

/** Addresses that share one set of ports. */
export interface EndpointSubset {
  /** Addresses traffic goes to: ready Pods, or every Pod with `publishNotReadyAddresses`. */
  addresses?: EndpointAddress[];
  /** Pods that are not ready. */
  notReadyAddresses?: EndpointAddress[];
  /** Every address's ports; left out for a headless Service without ports. */
  ports?: EndpointPort[];
}

/**
 * The Pod ports behind a Service's ports, in the Service's order. A Service port whose target the Pod
 * lacks (a named port no container has) is left out for that Pod.
 */
export function podPorts(service: Service, pod: Pod): (EndpointPort & { name: string })[] {
  return (service.spec?.ports ?? []).flatMap((sp: ServicePort) => {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) return [];
    return [
      {
        name: sp.name ?? "",
        port,
        protocol: sp.protocol ?? "TCP",
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      },
    ];
  });
}

/**
 * The `subsets` of a Service's Endpoints, as the endpoints controller writes them: each Pod's address
 * goes to `addresses` when it is ready (or the Service publishes not-ready addresses) and to
 * `notReadyAddresses` otherwise; Pods being deleted are left out unless the Service publishes not-ready
 * addresses. Addresses with the same ports share a subset, sorted by IP. A Pod that has none of the
 * Service's ports is left out, but for a headless Service without ports, whose subsets have no ports.
 */
export function endpointSubsets(service: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const groups = new Map<string, Required<EndpointSubset>>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp && !publishNotReady) continue;
    const ports = podPorts(service, pod).map(({ name, ...rest }) => (name ? { name, ...rest } : rest));
    if (ports.length === 0 && (servicePorts.length > 0 || !isHeadless(service))) continue;
    const key = JSON.stringify(ports);
    const group: Required<EndpointSubset> = groups.get(key) ?? { addresses: [], notReadyAddresses: [], ports };
    groups.set(key, group);
    const address = endpointAddress(service, pod);
    if (publishNotReady || isPodReady(pod)) group.addresses.push(address);
    else group.notReadyAddresses.push(address);
  }
  const sorted = [...groups].sort(([a], [b]) => (a < b ? -1 : 1));
  return sorted.map(([, { addresses, notReadyAddresses, ports }]) => ({
    ...(addresses.length > 0 ? { addresses: addresses.sort(byIp) } : {}),
    ...(notReadyAddresses.length > 0 ? { notReadyAddresses: notReadyAddresses.sort(byIp) } : {}),
    ...(ports.length > 0 ? { ports } : {}),
  }));
}

function endpointAddress(service: Service, pod: Pod): EndpointAddress {
  const hostname = hostnameUnder(pod, service);
  const nodeName = pod.spec?.nodeName;
  return {
    ip: pod.status?.podIP ?? "",
    ...(hostname ? { hostname } : {}),
    ...(nodeName ? { nodeName } : {}),
    targetRef: podReference(pod),
  };
}

function byIp(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip.localeCompare(b.ip, undefined, { numeric: true });
}
