import type { KubeObject } from "../api/object-store.js";
import type { SliceContent, SliceEndpoint, SlicePort } from "./endpoint-slices.js";

interface EndpointsAddress {
  ip?: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, unknown>;
}

interface EndpointsSubset {
  addresses?: EndpointsAddress[];
  notReadyAddresses?: EndpointsAddress[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

/**
 * The contents of the EndpointSlices mirrored from an Endpoints object, as the endpointslice mirroring
 * controller fills them: one per address type and set of ports, each address one endpoint, `ready` for
 * `addresses` and not for `notReadyAddresses`, with its host name, node and target. No addresses, no slices.
 */
export function mirroredContents(endpoints: KubeObject): SliceContent[] {
  const subsets = Array.isArray(endpoints.subsets) ? (endpoints.subsets as EndpointsSubset[]) : [];
  const groups = new Map<string, SliceContent>();
  for (const subset of subsets) {
    const ports: SlicePort[] = (subset.ports ?? []).map((p) => ({
      name: p.name ?? "",
      port: p.port ?? 0,
      protocol: p.protocol ?? "TCP",
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
    const listed: [EndpointsAddress[] | undefined, boolean][] = [
      [subset.addresses, true],
      [subset.notReadyAddresses, false],
    ];
    for (const [addresses, ready] of listed) {
      for (const address of addresses ?? []) {
        const ip = address.ip;
        if (!ip) continue;
        const addressType = ip.includes(":") ? "IPv6" : "IPv4";
        const key = JSON.stringify([addressType, ports]);
        const group = groups.get(key) ?? { addressType, ports, endpoints: [] };
        groups.set(key, group);
        group.endpoints.push(mirroredEndpoint(ip, address, ready));
      }
    }
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, content]) => content);
}

function mirroredEndpoint(ip: string, address: EndpointsAddress, ready: boolean): SliceEndpoint {
  return {
    addresses: [ip],
    conditions: { ready },
    ...(address.hostname ? { hostname: address.hostname } : {}),
    ...(address.targetRef ? { targetRef: address.targetRef } : {}),
    ...(address.nodeName ? { nodeName: address.nodeName } : {}),
  };
}
