import type { V1Deployment } from "@kubernetes/client-node";
import { findEtcdContainer } from "../kube/etcd-container.js";
import { requireSelector } from "../kube/member-pods.js";
import { currentPod, podFacts } from "../kube/pod-facts.js";
import type { RecoveryContext } from "../recovery-context.js";
import type { MemberObservation } from "./observation.js";

/** Reads the member's Deployment (or a StatefulSet of that name), its Pods and its etcd container's last log. */
export async function observeMember(ctx: RecoveryContext, tailLines: number): Promise<MemberObservation> {
  const { kubernetes } = ctx;
  const namespace = ctx.cluster.namespace;
  const name = ctx.member.deployment;
  const deployment = await kubernetes.readDeployment(namespace, name);
  if (!deployment) {
    const statefulSet = await kubernetes.readStatefulSet(namespace, name);
    return statefulSet
      ? { workload: "statefulset", statefulSet, pods: [], log: "", logSource: "none" }
      : { workload: "none", pods: [], log: "", logSource: "none" };
  }

  const selector = requireSelector(deployment);
  const { pods } = await kubernetes.listPods(namespace, selector);
  const pod = currentPod(pods);
  const observation: MemberObservation = {
    workload: "deployment",
    deployment,
    selector,
    pods,
    log: "",
    logSource: "none",
  };
  if (!pod) return observation;

  const container = etcdContainerName(deployment);
  const facts = podFacts(pod, container);
  observation.pod = pod;
  observation.facts = facts;
  if (facts.container === undefined) return observation;
  // The run that crashed is the previous one once the container has restarted.
  const previous = facts.restartCount > 0;
  try {
    observation.log = await kubernetes.readPodLog(namespace, facts.name, {
      container: facts.container,
      previous,
      tailLines,
    });
    observation.logSource = `${previous ? "previous run" : "current run"} of container ${facts.container}`;
    if (previous && observation.log.trim() === "") {
      observation.log = await kubernetes.readPodLog(namespace, facts.name, { container: facts.container, tailLines });
      observation.logSource = `current run of container ${facts.container}`;
    }
  } catch (error) {
    observation.logSource = `unavailable (${error instanceof Error ? error.message : String(error)})`;
  }
  return observation;
}

/** Name of the Deployment's etcd container. */
export function etcdContainerName(deployment: V1Deployment): string | undefined {
  return findEtcdContainer(deployment.spec?.template?.spec?.containers ?? [])?.name;
}

/** A PersistentVolumeClaim the Deployment's Pods mount, if any. */
export function persistentVolumeClaimOf(deployment: V1Deployment | undefined): string | undefined {
  return deployment?.spec?.template?.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim
    ?.claimName;
}
