import type { KubeObject } from "../api/object-store.js";

/** Catalog key of EndpointSlices (`discovery.k8s.io/v1`) in the object store. */
export const ENDPOINT_SLICES = "endpointslices.discovery.k8s.io";

/** The label by which an EndpointSlice names the Service it belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** One Pod address and port a Service port's connections may go to. */
export interface Backend {
  /** The endpoint's (first) IPv4 address. */
  readonly ip: string;
  /** The port on that address, from the slice's port of the same name as the Service port. */
  readonly port: number;
}

/** The fields of a Service port the proxy reads. */
export interface ServicePort {
  /** The port's name; empty or absent for a Service's only port. */
  readonly name?: string;
  /** `TCP` (the default), `UDP` or `SCTP`. */
  readonly protocol?: string;
  /** The port clients connect to on the cluster IP. */
  readonly port: number;
}

interface SlicePort {
  name?: string;
  port?: number;
  protocol?: string;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean };
}

/**
 * The ready backends of one Service port across the Service's EndpointSlices, in slice order without
 * repeats: each IPv4 slice that has a port of the same name and protocol contributes its endpoints whose
 * `conditions.ready` is not false, at that port's number.
 */
export function readyBackends(servicePort: ServicePort, slices: readonly KubeObject[]): Backend[] {
  const name = servicePort.name ?? "";
  const protocol = servicePort.protocol ?? "TCP";
  const seen = new Set<string>();
  const backends: Backend[] = [];
  for (const slice of slices) {
    if (slice.addressType !== "IPv4") continue;
    const ports = (slice.ports ?? []) as SlicePort[];
    const port = ports.find((p) => (p.name ?? "") === name && (p.protocol ?? "TCP") === protocol)?.port;
    if (typeof port !== "number") continue;
    for (const endpoint of (slice.endpoints ?? []) as SliceEndpoint[]) {
      const ip = endpoint.addresses?.[0];
      if (typeof ip !== "string" || endpoint.conditions?.ready === false) continue;
      const key = `${ip}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      backends.push({ ip, port });
    }
  }
  return backends;
}
