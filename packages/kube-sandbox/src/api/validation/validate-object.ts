import type { KubeObject } from "../object-store.js";
import { resourceKey, type ResourceType } from "../resource-catalog.js";
import { StatusError, type StatusCause } from "../status-error.js";
import { validateEndpointSlice } from "./validate-endpoint-slice.js";
import { validateLease } from "./validate-lease.js";
import { validateMetadata } from "./validate-metadata.js";
import { validatePodSpec } from "./validate-pod-spec.js";
import {
  validateClusterRoleBinding,
  validateRoleBinding,
  validateRoleRefUnchanged,
  validateRules,
} from "./validate-rbac.js";
import { validateService } from "./validate-service.js";
import { validateWorkload } from "./validate-workload.js";

const BY_TYPE: Record<string, (obj: KubeObject) => StatusCause[]> = {
  pods: (pod) => validatePodSpec(pod.spec, "spec"),
  services: validateService,
  "deployments.apps": validateWorkload,
  "replicasets.apps": validateWorkload,
  "statefulsets.apps": validateWorkload,
  "leases.coordination.k8s.io": validateLease,
  "endpointslices.discovery.k8s.io": validateEndpointSlice,
  "roles.rbac.authorization.k8s.io": validateRules,
  "clusterroles.rbac.authorization.k8s.io": validateRules,
  "rolebindings.rbac.authorization.k8s.io": validateRoleBinding,
  "clusterrolebindings.rbac.authorization.k8s.io": validateClusterRoleBinding,
};

/** Checks an object about to be stored; throws the 422 Invalid status listing every problem. */
export function validateObject(type: ResourceType, obj: KubeObject): void {
  const causes = validateMetadata(type, obj);
  if (obj.metadata && typeof obj.metadata === "object") causes.push(...(BY_TYPE[resourceKey(type)]?.(obj) ?? []));
  if (causes.length > 0) {
    throw StatusError.invalid(type.kind, type.group, obj.metadata?.name ?? "", causes);
  }
}

/** What an update may not change, by type. */
const UPDATE_RULES: Record<string, (next: KubeObject, current: KubeObject) => StatusCause[]> = {
  "rolebindings.rbac.authorization.k8s.io": validateRoleRefUnchanged,
  "clusterrolebindings.rbac.authorization.k8s.io": validateRoleRefUnchanged,
};

/** Checks that an update keeps what cannot change (a binding's `roleRef`); throws the 422 Invalid status. */
export function validateUpdate(type: ResourceType, next: KubeObject, current: KubeObject): void {
  const causes = UPDATE_RULES[resourceKey(type)]?.(next, current) ?? [];
  if (causes.length > 0) throw StatusError.invalid(type.kind, type.group, current.metadata.name, causes);
}
