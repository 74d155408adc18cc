import type { ResolvedMember } from "../core/config/types.js";
import type { KubernetesGateway, MemberLayout } from "../gateways/kubernetes/kubernetes-gateway.js";
import { dataClaimOf } from "./decisions/data-claim.js";
import type { WorkloadObject } from "./member-workload.js";

/** The PersistentVolumeClaim that holds a Deployment member's data (it survives its Pod there), if any. */
export function claimOfDeployment(object: WorkloadObject | undefined): string | undefined {
  return dataClaimOf(object?.spec?.template?.spec);
}

/**
 * How the member runs, for the requests its recovery makes: reads a Deployment to see whether its Pods mount a claim.
 * A Deployment that cannot be read (an error, not "not found") counts as on a claim, so that nothing its recovery
 * might ask for goes unchecked.
 */
export async function memberLayout(
  kubernetes: Pick<KubernetesGateway, "readDeployment">,
  namespace: string,
  member: ResolvedMember,
): Promise<MemberLayout> {
  const { workload } = member;
  if (workload.kind === "StatefulSet") return "StatefulSet";
  let deployment: WorkloadObject | undefined;
  try {
    deployment = await kubernetes.readDeployment(namespace, workload.name);
  } catch {
    return "DeploymentOnClaim";
  }
  return claimOfDeployment(deployment) === undefined ? "Deployment" : "DeploymentOnClaim";
}
