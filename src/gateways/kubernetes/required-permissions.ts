/** One RBAC rule: the verbs the responder uses on one resource (or subresource) of one API group. */
export interface RequiredPermission {
  /** API group; `""` is the core group. */
  apiGroup: string;
  /** Resource plural, with `/subresource` for subresources (`deployments/scale`, `pods/log`). */
  resource: string;
  /** Kubernetes verbs: get, list, watch, create, update, patch. */
  verbs: string[];
}

/**
 * Everything the Kubernetes gateway asks of the API server, in each namespace of a managed cluster; the Helm
 * chart's Role grants exactly this, and a test runs the gateway against the sandbox to keep the two honest.
 */
export const REQUIRED_PERMISSIONS: RequiredPermission[] = [
  // readDeployment, and updateDeployment's read-change-replace (the member's start flags).
  { apiGroup: "apps", resource: "deployments", verbs: ["get", "update"] },
  // scaleDeployment: a merge patch of the scale subresource stops and starts a member.
  { apiGroup: "apps", resource: "deployments/scale", verbs: ["patch"] },
  // readStatefulSet: members run by StatefulSets are recognised and refused.
  { apiGroup: "apps", resource: "statefulsets", verbs: ["get"] },
  // listPods and waitForPods (list, then watch from the list's resourceVersion).
  { apiGroup: "", resource: "pods", verbs: ["list", "watch"] },
  // readPodLog: the crashed run's log tells a wiped data dir from other failures.
  { apiGroup: "", resource: "pods/log", verbs: ["get"] },
  // recordEvent: what the recovery did shows in `kubectl describe` and `kubectl get events`.
  { apiGroup: "", resource: "events", verbs: ["create"] },
  // acquireLease, renewLease, releaseLease: one recovery per cluster at a time, across processes.
  { apiGroup: "coordination.k8s.io", resource: "leases", verbs: ["get", "create", "update"] },
];
