import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

/** `kubectl get serviceaccounts`: Name, Secrets, Age. */
export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Secrets", "Number of secrets the account names.", { type: "integer" }), AGE_COLUMN],
  cells: (sa, now) => [sa.metadata.name, list(sa, "secrets").length, ageCell(sa, now)],
};

/** `kubectl get roles` and `clusterroles`: Name, Created At. */
export const rolePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Created At", "Time the role was created.", { type: "date" })],
  cells: (role) => [role.metadata.name, role.metadata.creationTimestamp ?? ""],
};

/** `kubectl get rolebindings` and `clusterrolebindings`: Name, Role (`Kind/name`), Age. */
export const roleBindingPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column("Role", "The role the binding grants."), AGE_COLUMN],
  cells: (binding, now) => [
    binding.metadata.name,
    `${field<string>(binding, "roleRef", "kind") ?? ""}/${field<string>(binding, "roleRef", "name") ?? ""}`,
    ageCell(binding, now),
  ],
};
