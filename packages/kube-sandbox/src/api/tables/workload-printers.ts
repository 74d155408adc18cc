import { formatLabelSelector, type LabelSelectorSpec } from "../label-selector.js";
import type { KubeObject } from "../object-store.js";
import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

const WIDE_COLUMNS = [
  column("Containers", "Names of each container in the template.", { priority: 1 }),
  column("Images", "Images referenced by each container in the template.", { priority: 1 }),
  column("Selector", "Label selector of the pods the object manages.", { priority: 1 }),
];

/** `kubectl get deployments`: Name, Ready, Up-to-date, Available, Age. */
export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Ready", "Number of the pod with ready state"),
    column(
      "Up-to-date",
      "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      { type: "integer" },
    ),
    column(
      "Available",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      { type: "integer" },
    ),
    AGE_COLUMN,
    ...WIDE_COLUMNS,
  ],
  cells: (d, now) => [
    d.metadata.name,
    `${count(d, "status", "readyReplicas")}/${count(d, "spec", "replicas")}`,
    count(d, "status", "updatedReplicas"),
    count(d, "status", "availableReplicas"),
    ageCell(d, now),
    ...wideCells(d),
  ],
};

/** `kubectl get replicasets`: Name, Desired, Current, Ready, Age. */
export const replicaSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Desired", "Number of desired pods.", { type: "integer" }),
    column("Current", "Number of actual replicas.", { type: "integer" }),
    column("Ready", "Number of ready replicas.", { type: "integer" }),
    AGE_COLUMN,
    ...WIDE_COLUMNS,
  ],
  cells: (rs, now) => [
    rs.metadata.name,
    count(rs, "spec", "replicas"),
    count(rs, "status", "replicas"),
    count(rs, "status", "readyReplicas"),
    ageCell(rs, now),
    ...wideCells(rs),
  ],
};

/** `kubectl get statefulsets`: Name, Ready, Age. */
export const statefulSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Ready", "Number of the pod with ready state"),
    AGE_COLUMN,
    ...WIDE_COLUMNS.slice(0, 2),
  ],
  cells: (s, now) => [
    s.metadata.name,
    `${count(s, "status", "readyReplicas")}/${count(s, "spec", "replicas")}`,
    ageCell(s, now),
    ...wideCells(s).slice(0, 2),
  ],
};

/** `kubectl get controllerrevisions`: Name, Controller (`statefulset.apps/NAME`), Revision, Age. */
export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Controller", "Controller of the object."),
    column("Revision", "Revision of the ControllerRevision.", { type: "integer" }),
    AGE_COLUMN,
  ],
  cells: (revision, now) => [
    revision.metadata.name,
    controllerCell(revision),
    count(revision, "revision"),
    ageCell(revision, now),
  ],
};

/** `kind.group/name` of the object's controller, as kubectl prints it; `<none>` without one. */
function controllerCell(obj: KubeObject): string {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return "<none>";
  const slash = ref.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : `.${ref.apiVersion.slice(0, slash)}`;
  return `${ref.kind.toLowerCase()}${group}/${ref.name}`;
}

function count(obj: KubeObject, ...path: string[]): number {
  return field<number>(obj, ...path) ?? 0;
}

function wideCells(obj: KubeObject): string[] {
  const containers = list<{ name?: string; image?: string }>(obj, "spec", "template", "spec", "containers");
  const selector = formatLabelSelector(field<LabelSelectorSpec>(obj, "spec", "selector"));
  return [
    containers.map((c) => c.name ?? "").join(","),
    containers.map((c) => c.image ?? "").join(","),
    selector || "<none>",
  ];
}
