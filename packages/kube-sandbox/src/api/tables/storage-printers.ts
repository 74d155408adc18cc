import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

/** How kubectl abbreviates access modes. */
const ACCESS_MODES: Record<string, string> = {
  ReadWriteOnce: "RWO",
  ReadOnlyMany: "ROX",
  ReadWriteMany: "RWX",
  ReadWriteOncePod: "RWOP",
};

const accessModes = (modes: string[]): string => modes.map((m) => ACCESS_MODES[m] ?? m).join(",");

/** `kubectl get pvc`: Name, Status, Volume, Capacity, Access Modes, StorageClass, Age. */
export const claimPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Status", "The phase of the claim; Terminating while it is being deleted."),
    column("Volume", "The volume the claim is bound to."),
    column("Capacity", "The size of the bound volume."),
    column("Access Modes", "How the volume may be mounted."),
    column("StorageClass", "The class the claim asks for."),
    AGE_COLUMN,
  ],
  cells: (pvc, now) => [
    pvc.metadata.name,
    pvc.metadata.deletionTimestamp ? "Terminating" : (field<string>(pvc, "status", "phase") ?? "Pending"),
    field<string>(pvc, "spec", "volumeName") ?? "",
    field<string>(pvc, "status", "capacity", "storage") ?? "",
    accessModes(list<string>(pvc, "status", "accessModes")),
    field<string>(pvc, "spec", "storageClassName") ?? "",
    ageCell(pvc, now),
  ],
};

/** `kubectl get pv`: Name, Capacity, Access Modes, Reclaim Policy, Status, Claim, StorageClass, Age. */
export const volumePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Capacity", "The size of the volume."),
    column("Access Modes", "How the volume may be mounted."),
    column("Reclaim Policy", "What happens to the volume when its claim is deleted."),
    column("Status", "The phase of the volume."),
    column("Claim", "The claim bound to the volume."),
    column("StorageClass", "The class of the volume."),
    AGE_COLUMN,
  ],
  cells: (pv, now) => {
    const namespace = field<string>(pv, "spec", "claimRef", "namespace");
    const claim = field<string>(pv, "spec", "claimRef", "name");
    return [
      pv.metadata.name,
      field<string>(pv, "spec", "capacity", "storage") ?? "",
      accessModes(list<string>(pv, "spec", "accessModes")),
      field<string>(pv, "spec", "persistentVolumeReclaimPolicy") ?? "",
      field<string>(pv, "status", "phase") ?? "Available",
      claim ? `${namespace}/${claim}` : "",
      field<string>(pv, "spec", "storageClassName") ?? "",
      ageCell(pv, now),
    ];
  },
};

/** `kubectl get storageclass`: Name (with "(default)"), Provisioner, Reclaim Policy, Binding Mode, Age. */
export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Provisioner", "Who makes the volumes of this class."),
    column("ReclaimPolicy", "What happens to a volume when its claim is deleted."),
    column("VolumeBindingMode", "When a claim of this class is bound."),
    column("AllowVolumeExpansion", "Whether claims of this class may grow.", { type: "boolean" }),
    AGE_COLUMN,
  ],
  cells: (sc, now) => [
    sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true"
      ? `${sc.metadata.name} (default)`
      : sc.metadata.name,
    field<string>(sc, "provisioner") ?? "",
    field<string>(sc, "reclaimPolicy") ?? "Delete",
    field<string>(sc, "volumeBindingMode") ?? "Immediate",
    field<boolean>(sc, "allowVolumeExpansion") ?? false,
    ageCell(sc, now),
  ],
};
