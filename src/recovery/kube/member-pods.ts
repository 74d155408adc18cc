import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { ResolvedMember } from "../../core/config/types.js";
import type { KubernetesGateway } from "../../gateways/kubernetes/kubernetes-gateway.js";
import { selectorString } from "../../core/labels.js";

/** The Pods of a member's Deployment, with the Deployment; none when the Deployment is missing. */
export async function podsOfMember(
  kubernetes: KubernetesGateway,
  namespace: string,
  member: ResolvedMember,
): Promise<{ deployment?: V1Deployment; selector?: string; pods: V1Pod[] }> {
  const deployment = await kubernetes.readDeployment(namespace, member.deployment);
  if (!deployment) return { pods: [] };
  const selector = requireSelector(deployment);
  const { pods } = await kubernetes.listPods(namespace, selector);
  return { deployment, selector, pods };
}

/** The Deployment's Pod selector as a query string; throws for an empty selector (it would match every Pod). */
export function requireSelector(deployment: V1Deployment): string {
  const selector = selectorString(deployment.spec?.selector);
  if (selector === undefined) {
    throw new Error(
      `Deployment ${deployment.metadata?.name ?? "(unnamed)"} has an empty selector, so its Pods cannot be told apart`,
    );
  }
  return selector;
}
