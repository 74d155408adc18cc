import type { KubeObject } from "../object-store.js";
import type { StatusCause } from "../status-error.js";
import { invalid, notSupported, required } from "./field-causes.js";

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
/** Most addresses one endpoint may have, as Kubernetes allows. */
const MAX_ADDRESSES = 100;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Checks what readers of an EndpointSlice (kube-proxy, the cluster DNS) rely on, as Kubernetes does: an
 * `addressType`, every endpoint with 1 to 100 addresses (IPv4 ones for `IPv4` slices), and ports with a
 * number between 1 and 65535 and a known protocol.
 */
export function validateEndpointSlice(slice: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const addressType = slice.addressType;
  if (addressType === undefined || addressType === null || addressType === "") causes.push(required("addressType"));
  else if (typeof addressType !== "string" || !ADDRESS_TYPES.includes(addressType))
    causes.push(notSupported("addressType", addressType, ADDRESS_TYPES));
  causes.push(...listOf(slice.endpoints, "endpoints", (e, at) => endpointCauses(e, at, addressType)));
  causes.push(...listOf(slice.ports, "ports", portCauses));
  return causes;
}

/** The causes of each entry of an optional list; a value that is no list is one cause. */
function listOf(
  value: unknown,
  field: string,
  check: (entry: Record<string, unknown>, at: string) => StatusCause[],
): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [invalid(field, value, "must be a list")];
  return value.flatMap((entry: unknown, i) =>
    entry !== null && typeof entry === "object" && !Array.isArray(entry)
      ? check(entry as Record<string, unknown>, `${field}[${i}]`)
      : [invalid(`${field}[${i}]`, entry, "must be an object")],
  );
}

function endpointCauses(endpoint: Record<string, unknown>, at: string, addressType: unknown): StatusCause[] {
  const addresses = endpoint.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0) {
    return [required(`${at}.addresses`, "must contain at least 1 address")];
  }
  if (addresses.length > MAX_ADDRESSES) {
    return [invalid(`${at}.addresses`, addresses.length, `must have at most ${MAX_ADDRESSES} items`)];
  }
  return addresses.flatMap((address: unknown, i) => {
    if (typeof address !== "string") return [invalid(`${at}.addresses[${i}]`, address, "must be a string")];
    if (addressType === "IPv4" && !IPV4.test(address)) {
      return [invalid(`${at}.addresses[${i}]`, address, "must be a valid IPv4 address")];
    }
    return [];
  });
}

function portCauses(port: Record<string, unknown>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const number = port.port;
  if (number !== undefined && number !== null) {
    if (typeof number !== "number" || !Number.isInteger(number) || number < 1 || number > 65535) {
      causes.push(invalid(`${at}.port`, number, "must be between 1 and 65535, inclusive"));
    }
  }
  const protocol = port.protocol;
  if (protocol !== undefined && protocol !== null && (typeof protocol !== "string" || !PROTOCOLS.includes(protocol))) {
    causes.push(notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  }
  return causes;
}
