import type { KubeObject } from "../object-store.js";
import { AGE_COLUMN, ageCell, column, field, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

/** Every type without a printer of its own: Name, Age. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (obj, now) => [obj.metadata.name, ageCell(obj, now)],
};

/** `kubectl get leases`: Name, Holder, Age. */
export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Holder", "The holder of the lease."), AGE_COLUMN],
  cells: (lease, now) => [
    lease.metadata.name,
    field<string>(lease, "spec", "holderIdentity") ?? "",
    ageCell(lease, now),
  ],
};

/** `kubectl get configmaps`: Name, Data, Age. */
export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Data", "Number of keys in the data.", { type: "integer" }), AGE_COLUMN],
  cells: (cm, now) => [cm.metadata.name, dataCount(cm), ageCell(cm, now)],
};

/** `kubectl get secrets`: Name, Type, Data, Age. */
export const secretPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Type", "The type of the secret."),
    column("Data", "Number of keys in the data.", { type: "integer" }),
    AGE_COLUMN,
  ],
  cells: (s, now) => [s.metadata.name, field<string>(s, "type") ?? "Opaque", dataCount(s), ageCell(s, now)],
};

/** `kubectl get namespaces`: Name, Status, Age. */
export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Status", "The phase of the namespace."), AGE_COLUMN],
  cells: (ns, now) => [ns.metadata.name, field<string>(ns, "status", "phase") ?? "Active", ageCell(ns, now)],
};

function dataCount(obj: KubeObject): number {
  return (
    Object.keys(field<object>(obj, "data") ?? {}).length + Object.keys(field<object>(obj, "binaryData") ?? {}).length
  );
}
