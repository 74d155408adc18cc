import type { V1Pod } from "@kubernetes/client-node";
import { resolveMember, type ResolvedCluster } from "../config/index.js";
import { CLUSTER_LABEL } from "../example-cluster/member-labels.js";
import type { KubernetesGateway } from "../gateways/kubernetes/index.js";
import { selectorString } from "../recovery/kube/label-selector.js";
import { matchesSelector } from "./label-selector-match.js";
import type { MemberSighting } from "./member-verdict.js";

/** One member (index and Deployment name) as the sweep saw it, or the `problem` that kept it from judging the member. */
export type MemberLook =
  ({ member: number; deployment: string } & MemberSighting) | { member: number; deployment: string; problem: string };

/**
 * Reads every member of a cluster: its Deployment and the Pods the Deployment's selector picks. The Pods
 * carrying the cluster label (what the example cluster generator sets) are listed once; a member whose
 * Deployment selects by other labels gets a list of its own, so any labelling works.
 */
export async function clusterMemberPods(
  kubernetes: Pick<KubernetesGateway, "readDeployment" | "listPods">,
  cluster: ResolvedCluster,
): Promise<MemberLook[]> {
  const { namespace } = cluster;
  let labelled: Promise<V1Pod[]> | undefined;
  const labelledPods = () =>
    (labelled ??= kubernetes.listPods(namespace, `${CLUSTER_LABEL}=${cluster.name}`).then((list) => list.pods));

  return Promise.all(
    cluster.members.map(async (_, position): Promise<MemberLook> => {
      const member = position + 1;
      const { deployment: name } = resolveMember(cluster, member);
      const deployment = await kubernetes.readDeployment(namespace, name);
      if (!deployment) return { member, deployment: name, replicas: undefined, pods: [] };
      const replicas = deployment.spec?.replicas ?? 1;
      const selector = deployment.spec?.selector;
      const query = selectorString(selector);
      if (!selector || query === undefined) {
        return {
          member,
          deployment: name,
          problem: `Deployment ${name} has an empty selector, so its Pods cannot be told apart`,
        };
      }
      if (selector.matchLabels?.[CLUSTER_LABEL] === cluster.name) {
        const pods = (await labelledPods()).filter((pod) => matchesSelector(pod.metadata?.labels, selector));
        return { member, deployment: name, replicas, pods };
      }
      const { pods } = await kubernetes.listPods(namespace, query);
      return { member, deployment: name, replicas, pods };
    }),
  );
}
