import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

/** How many entries kubectl lists before it says `+ N more...`. */
const SHOWN = 3;

interface EndpointAddress {
  ip?: string;
}

interface EndpointSubset {
  addresses?: EndpointAddress[];
  ports?: { port?: number }[];
}

/** `kubectl get endpoints`: Name, Endpoints (`ip:port,...`, `<none>` without subsets), Age. */
export const endpointsPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Endpoints", "Endpoints is the list of endpoints in the endpoints object."),
    AGE_COLUMN,
  ],
  cells: (ep, now) => [ep.metadata.name, endpointsCell(list<EndpointSubset>(ep, "subsets")), ageCell(ep, now)],
};

/** `kubectl get endpointslices`: Name, AddressType, Ports, Endpoints, Age. */
export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("AddressType", "The type of address carried by this EndpointSlice."),
    column("Ports", "Ports of the endpoints in this slice."),
    column("Endpoints", "Addresses of the endpoints in this slice."),
    AGE_COLUMN,
  ],
  cells: (slice, now) => [
    slice.metadata.name,
    field<string>(slice, "addressType") ?? "",
    sliceEntries(list<{ port?: number; name?: string }>(slice, "ports").map((p) => portOf(p))),
    sliceEntries(list<{ addresses?: string[] }>(slice, "endpoints").flatMap((e) => e.addresses ?? [])),
    ageCell(slice, now),
  ],
};

/**
 * The ready addresses with each port, as kubectl joins them: `ip:port` for every port of a subset, only
 * `ip` for a subset without ports (a headless Service without ports); empty when only not-ready
 * addresses exist.
 */
function endpointsCell(subsets: EndpointSubset[]): string {
  if (subsets.length === 0) return "<none>";
  const entries = subsets.flatMap((subset) => {
    const addresses = (subset.addresses ?? []).map((a) => a.ip ?? "");
    const ports = subset.ports ?? [];
    if (ports.length === 0) return addresses;
    return ports.flatMap((p) => addresses.map((ip) => hostPort(ip, p.port ?? 0)));
  });
  return withMore(entries, "");
}

/** A slice's port: its number, its name when it has none, `*` without either. */
function portOf(port: { port?: number; name?: string }): string {
  if (port.port !== undefined) return String(port.port);
  return port.name ?? "*";
}

function sliceEntries(entries: string[]): string {
  return withMore(entries, "<unset>");
}

/** The first three entries joined with commas, then `+ N more...`; `empty` when there are none. */
function withMore(entries: string[], empty: string): string {
  if (entries.length === 0) return empty;
  const shown = entries.slice(0, SHOWN).join(",");
  return entries.length > SHOWN ? `${shown} + ${entries.length - SHOWN} more...` : shown;
}

/** `ip:port`, with an IPv6 address in brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}
