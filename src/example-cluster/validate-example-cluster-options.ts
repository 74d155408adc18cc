import { isIPv4 } from "node:net";
import {
  DEFAULT_ETCD_IMAGE,
  type ExampleClusterOptions,
  type ResolvedExampleClusterOptions,
} from "./example-cluster-options.js";
import { ExampleClusterOptionsError } from "./example-cluster-options-error.js";

/** Most members a cluster may have: one digit keeps `NAMEN` unambiguous, and etcd advises against more than 7 anyway. */
export const MAX_MEMBERS = 9;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Fills in defaults and checks every option, throwing `ExampleClusterOptionsError` on the first bad one. */
export function validateExampleClusterOptions(o: ExampleClusterOptions): ResolvedExampleClusterOptions {
  // A Service name is a DNS-1035 label (letter first) of at most 63 characters, and `NAMEN` adds one digit.
  if (typeof o.name !== "string" || !DNS_1035_LABEL.test(o.name) || o.name.length > 62) {
    throw new ExampleClusterOptionsError(
      "name",
      `${JSON.stringify(o.name)} is not a valid cluster name: use lowercase letters, digits and '-', ` +
        "start with a letter, end with a letter or digit, at most 62 characters " +
        "(member Services are named NAME followed by the member number)",
    );
  }
  if (!Number.isInteger(o.members) || o.members < 1 || o.members > MAX_MEMBERS) {
    throw new ExampleClusterOptionsError(
      "members",
      `must be a whole number from 1 to ${MAX_MEMBERS}, got ${String(o.members)}`,
    );
  }
  if (typeof o.namespace !== "string" || !DNS_1123_LABEL.test(o.namespace) || o.namespace.length > 63) {
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
  validateAddressing(o);
  if (o.tls !== undefined) {
    const secret = o.tls.secretName;
    if (typeof secret !== "string" || !DNS_1123_SUBDOMAIN.test(secret) || secret.length > 253) {
      throw new ExampleClusterOptionsError("tls.secretName", `${JSON.stringify(secret)} is not a valid Secret name`);
    }
  }
  const initialClusterState = o.initialClusterState ?? "new";
  if (initialClusterState !== "new" && initialClusterState !== "existing") {
    throw new ExampleClusterOptionsError(
      "initialClusterState",
      `must be "new" or "existing", got ${JSON.stringify(initialClusterState)}`,
    );
  }
  return { ...o, image, initialClusterState };
}

function validateAddressing(o: ExampleClusterOptions): void {
  const addressing = o.addressing;
  if (addressing?.kind === "service-dns") return;
  if (addressing?.kind !== "fixed-ips") {
    throw new ExampleClusterOptionsError("addressing.kind", `must be "service-dns" or "fixed-ips"`);
  }
  const ips = addressing.ips;
  if (!Array.isArray(ips) || ips.length !== o.members) {
    throw new ExampleClusterOptionsError(
      "addressing.ips",
      `needs exactly one IPv4 address per member (${o.members}), got ${Array.isArray(ips) ? ips.length : "none"}`,
    );
  }
  const seen = new Set<string>();
  for (const ip of ips) {
    if (!isIPv4(ip))
      throw new ExampleClusterOptionsError("addressing.ips", `${JSON.stringify(ip)} is not an IPv4 address`);
    if (seen.has(ip)) throw new ExampleClusterOptionsError("addressing.ips", `${ip} is given to more than one member`);
    seen.add(ip);
  }
}
