import type { KubeObject } from "../object-store.js";
import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

interface ServicePort {
  port?: number;
  nodePort?: number;
  protocol?: string;
}

/** `kubectl get services`: Name, Type, Cluster-IP, External-IP, Port(s), Age (+ Selector). */
export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Type", "Type determines how the Service is exposed."),
    column("Cluster-IP", "The IP address of the service, assigned by the cluster."),
    column("External-IP", "Addresses outside the cluster the service answers on."),
    column("Port(s)", "The list of ports that are exposed by this service."),
    AGE_COLUMN,
    column("Selector", "Route service traffic to pods with label keys and values matching this selector.", {
      priority: 1,
    }),
  ],
  cells: (svc, now) => [
    svc.metadata.name,
    field<string>(svc, "spec", "type") ?? "ClusterIP",
    field<string>(svc, "spec", "clusterIP") || "<none>",
    externalIp(svc),
    ports(list<ServicePort>(svc, "spec", "ports")),
    ageCell(svc, now),
    selector(field<Record<string, string>>(svc, "spec", "selector")),
  ],
};

function externalIp(svc: KubeObject): string {
  const type = field<string>(svc, "spec", "type");
  const external = list<string>(svc, "spec", "externalIPs");
  if (type === "ExternalName") return field<string>(svc, "spec", "externalName") ?? "<none>";
  if (type === "LoadBalancer") {
    const ingress = list<{ ip?: string; hostname?: string }>(svc, "status", "loadBalancer", "ingress");
    const all = [...ingress.map((i) => i.ip ?? i.hostname ?? ""), ...external].filter(Boolean);
    return all.length > 0 ? all.join(",") : "<pending>";
  }
  return external.length > 0 ? external.join(",") : "<none>";
}

function ports(list: ServicePort[]): string {
  if (list.length === 0) return "<none>";
  return list.map((p) => `${p.port ?? ""}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(",");
}

function selector(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length > 0 ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "<none>";
}
