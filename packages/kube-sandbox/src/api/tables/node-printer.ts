import type { KubeObject } from "../object-store.js";
import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";

/**
 * `kubectl get nodes`: Name, Status, Roles, Age, Version; with `-o wide` also Internal-IP, External-IP,
 * OS-Image, Kernel-Version and Container-Runtime.
 */
export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    AGE_COLUMN,
    column("Version", "Kubelet Version reported by the node."),
    column("Internal-IP", "List of internal IPs of the node.", { priority: 1 }),
    column("External-IP", "List of external IPs of the node.", { priority: 1 }),
    column("OS-Image", "OS image reported by the node.", { priority: 1 }),
    column("Kernel-Version", "Kernel version reported by the node.", { priority: 1 }),
    column("Container-Runtime", "Container runtime and version reported by the node.", { priority: 1 }),
  ],
  cells: (node, now) => [
    node.metadata.name,
    nodeStatus(node),
    nodeRoles(node),
    ageCell(node, now),
    field<string>(node, "status", "nodeInfo", "kubeletVersion") ?? "",
    addressesOf(node, "InternalIP"),
    addressesOf(node, "ExternalIP"),
    field<string>(node, "status", "nodeInfo", "osImage") || "<unknown>",
    field<string>(node, "status", "nodeInfo", "kernelVersion") || "<unknown>",
    field<string>(node, "status", "nodeInfo", "containerRuntimeVersion") || "<unknown>",
  ],
};

/** `Ready`, `NotReady` or `Unknown`, with `,SchedulingDisabled` for a cordoned node. */
function nodeStatus(node: KubeObject): string {
  const ready = list<{ type?: string; status?: string }>(node, "status", "conditions").find((c) => c.type === "Ready");
  const status = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
  return field<boolean>(node, "spec", "unschedulable") === true ? `${status},SchedulingDisabled` : status;
}

/** The roles named by `node-role.kubernetes.io/ROLE` labels, or `<none>`. */
function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((label) => label.startsWith(ROLE_LABEL_PREFIX))
    .map((label) => label.slice(ROLE_LABEL_PREFIX.length))
    .filter(Boolean);
  return roles.length > 0 ? roles.sort().join(",") : "<none>";
}

/** The node's addresses of one type, comma-separated, or `<none>`. */
function addressesOf(node: KubeObject, type: string): string {
  const found = list<{ type?: string; address?: string }>(node, "status", "addresses")
    .filter((a) => a.type === type && a.address)
    .map((a) => a.address);
  return found.length > 0 ? found.join(",") : "<none>";
}
