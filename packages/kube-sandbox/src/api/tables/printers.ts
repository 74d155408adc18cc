import { endpointSlicePrinter, endpointsPrinter } from "./endpoint-printers.js";
import { eventPrinter } from "./event-printer.js";
import { nodePrinter } from "./node-printer.js";
import { podPrinter } from "./pod-printer.js";
import { rolePrinter, roleBindingPrinter, serviceAccountPrinter } from "./rbac-printers.js";
import { servicePrinter } from "./service-printer.js";
import { configMapPrinter, defaultPrinter, leasePrinter, namespacePrinter, secretPrinter } from "./simple-printers.js";
import { claimPrinter, storageClassPrinter, volumePrinter } from "./storage-printers.js";
import type { TablePrinter } from "./table-printer.js";
import {
  controllerRevisionPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from "./workload-printers.js";

const PRINTERS: Record<string, TablePrinter> = {
  pods: podPrinter,
  services: servicePrinter,
  endpoints: endpointsPrinter,
  "endpointslices.discovery.k8s.io": endpointSlicePrinter,
  events: eventPrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  namespaces: namespacePrinter,
  nodes: nodePrinter,
  "deployments.apps": deploymentPrinter,
  "replicasets.apps": replicaSetPrinter,
  "statefulsets.apps": statefulSetPrinter,
  "controllerrevisions.apps": controllerRevisionPrinter,
  "leases.coordination.k8s.io": leasePrinter,
  persistentvolumeclaims: claimPrinter,
  persistentvolumes: volumePrinter,
  "storageclasses.storage.k8s.io": storageClassPrinter,
  serviceaccounts: serviceAccountPrinter,
  "roles.rbac.authorization.k8s.io": rolePrinter,
  "clusterroles.rbac.authorization.k8s.io": rolePrinter,
  "rolebindings.rbac.authorization.k8s.io": roleBindingPrinter,
  "clusterrolebindings.rbac.authorization.k8s.io": roleBindingPrinter,
};

/** The printer of a type by catalog key; Name and Age for types without one. */
export function printerFor(resource: string): TablePrinter {
  return PRINTERS[resource] ?? defaultPrinter;
}
