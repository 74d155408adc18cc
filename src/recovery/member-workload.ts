import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import type { MemberWorkload, ResolvedCluster, ResolvedMember } from "../core/config/types.js";
import { selectorString, STATEFULSET_POD_NAME_LABEL } from "../core/labels.js";
import type { EventTarget, KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";

/** The object that runs a member: its own Deployment, or the StatefulSet that runs every member of the cluster. */
export type WorkloadObject = V1Deployment | V1StatefulSet;

/** Whether the members' own start scripts add an emptied member back (a voting add), so the recovery adds nothing. */
export function joinsByItself(cluster: Pick<ResolvedCluster, "statefulSet">): boolean {
  return cluster.statefulSet?.joinsByItself === true;
}

/** `Deployment example-2` or `StatefulSet example`, for people. */
export function describeWorkload(workload: MemberWorkload): string {
  return `${workload.kind} ${workload.name}`;
}

/** Where the member runs, for people: `Deployment example-2` or `Pod example-2 of StatefulSet example`. */
export function describeMemberRunner(workload: MemberWorkload): string {
  return workload.kind === "Deployment"
    ? describeWorkload(workload)
    : `Pod ${workload.pod} of ${describeWorkload(workload)}`;
}

/** The member's workload object; undefined when it does not exist. */
export function readWorkload(
  kubernetes: Pick<KubernetesGateway, "readDeployment" | "readStatefulSet">,
  namespace: string,
  member: ResolvedMember,
): Promise<WorkloadObject | undefined> {
  const { workload } = member;
  return workload.kind === "Deployment"
    ? kubernetes.readDeployment(namespace, workload.name)
    : kubernetes.readStatefulSet(namespace, workload.name);
}

/** Reads the member's workload, applies `change` and writes it back (re-applied on conflicts). */
export function updateWorkload(
  kubernetes: Pick<KubernetesGateway, "updateDeployment" | "updateStatefulSet">,
  namespace: string,
  member: ResolvedMember,
  change: (object: WorkloadObject) => void,
): Promise<WorkloadObject> {
  const { workload } = member;
  return workload.kind === "Deployment"
    ? kubernetes.updateDeployment(namespace, workload.name, change)
    : kubernetes.updateStatefulSet(namespace, workload.name, change);
}

/**
 * The label selector that picks the member's Pods, as a query string: its Deployment's selector, or the Pod-name
 * label of its StatefulSet Pod. Throws for a Deployment with an empty selector (it would match every Pod).
 */
export function memberPodSelector(member: ResolvedMember, object: WorkloadObject): string {
  const { workload } = member;
  if (workload.kind === "StatefulSet") return `${STATEFULSET_POD_NAME_LABEL}=${workload.pod}`;
  const selector = selectorString(object.spec?.selector);
  if (selector === undefined) {
    throw new Error(
      `Deployment ${object.metadata?.name ?? workload.name} has an empty selector, so its Pods cannot be told apart`,
    );
  }
  return selector;
}

/** The object a recovery's Events are recorded on: the member's workload. */
export function workloadEventTarget(namespace: string, member: ResolvedMember, object?: WorkloadObject): EventTarget {
  const { workload } = member;
  return {
    kind: workload.kind,
    apiVersion: "apps/v1",
    namespace,
    name: workload.name,
    ...(object?.metadata?.uid ? { uid: object.metadata.uid } : {}),
  };
}
