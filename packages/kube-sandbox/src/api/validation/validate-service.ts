import { isIP } from "node:net";
import type { KubeObject } from "../object-store.js";
import type { StatusCause } from "../status-error.js";
import { invalid, notSupported, required } from "./field-causes.js";

const TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];

/** Checks a Service's type, cluster IP and ports. */
export function validateService(svc: KubeObject): StatusCause[] {
  const spec = (svc.spec ?? {}) as Record<string, unknown>;
  const causes: StatusCause[] = [];
  const type = spec.type ?? "ClusterIP";
  if (typeof type !== "string" || !TYPES.includes(type)) causes.push(notSupported("spec.type", type, TYPES));
  const clusterIP = spec.clusterIP;
  if (
    clusterIP !== undefined &&
    clusterIP !== "" &&
    clusterIP !== "None" &&
    (typeof clusterIP !== "string" || isIP(clusterIP) === 0)
  ) {
    causes.push(invalid("spec.clusterIP", clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  const ports = spec.ports;
  if (ports !== undefined && !Array.isArray(ports)) return [...causes, invalid("spec.ports", ports, "must be a list")];
  if (type !== "ExternalName" && clusterIP !== "None" && (!Array.isArray(ports) || ports.length === 0)) {
    causes.push(required("spec.ports"));
  }
  (Array.isArray(ports) ? ports : []).forEach((p: Record<string, unknown> | null, i) => {
    const at = `spec.ports[${i}]`;
    const port = p?.port;
    if (port === undefined || port === null) causes.push(required(`${at}.port`));
    else if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      causes.push(invalid(`${at}.port`, port, "must be between 1 and 65535, inclusive"));
    }
    const protocol = p?.protocol;
    if (protocol !== undefined && !PROTOCOLS.includes(protocol as string))
      causes.push(notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  });
  return causes;
}
