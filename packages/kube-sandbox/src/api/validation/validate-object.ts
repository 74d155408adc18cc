import type { KubeObject } from "../object-store.js";
import { resourceKey, type ResourceType } from "../resource-catalog.js";
import { StatusError, type StatusCause } from "../status-error.js";
import { validateEndpointSlice } from "./validate-endpoint-slice.js";
import { validateLease } from "./validate-lease.js";
import { validateMetadata } from "./validate-metadata.js";
import { validatePodSpec } from "./validate-pod-spec.js";
import { validateClusterRoleBinding, validateRoleBinding, validateRules } from "./validate-rbac.js";
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
