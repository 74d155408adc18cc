import { messageOf } from "../core/errors.js";
import { classifyMember, type Classification, type DiagnosisFacts } from "./decisions/classify.js";
import type { EtcdGateway, EtcdMember } from "../gateways/etcd/etcd-gateway.js";
import type { EventTarget } from "../gateways/kubernetes/kubernetes-gateway.js";
import { type ClusterObservation, type MemberObservation, entryOf, observeCluster } from "./cluster-view.js";
import { hexId } from "./decisions/members.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import type { V1Deployment } from "@kubernetes/client-node";
import { findEtcdContainer, requireSelector, currentPod, podFacts } from "./pods.js";
import type { RecoveryContext } from "./context.js";
import { clearUnderWay, describeUnderWay, readUnderWay } from "./under-way.js";

/** What Diagnose found and decided; the steps after it work from this. */
export type Diagnosis = Classification & {
  /** The member's Kubernetes objects. */
  member: MemberObservation;
  /** etcd as Diagnose saw it: who answers, for which cluster, and its member list. */
  cluster: ClusterObservation;
  /** The member's entry in the list, when it is listed. */
  entry?: EtcdMember;
  /** Where member lists are read and membership changed: members of the real cluster only. */
  membership: EtcdGateway;
};

/**
 * Step 2, Diagnose: look at the member's Deployment, Pod and log, ask every member of the cluster for its
 * status, find the real cluster and its member list, and decide (see `classifyMember`). Changes nothing.
 */
export async function diagnose(run: RecoveryRun): Promise<StepOutcome<Diagnosis>> {
  const { ctx } = run;
  const [member, cluster] = await Promise.all([observeMember(ctx, run.tuning.logTailLines), observeCluster(ctx)]);
  const workload = member.deployment ?? member.statefulSet;
  if (workload) run.recordEventsOn(eventTarget(ctx, member));
  reportMember(run, member);
  reportCluster(run, cluster);
  const mark = readUnderWay(member.deployment);
  if (mark) run.noteEarlierChange(describeUnderWay(ctx.member.deployment, mark));

  const entry = entryOf(cluster.list, ctx.member);
  const ownProbe = cluster.probes.find((p) => p.member.index === ctx.member.index);
  const facts: DiagnosisFacts = {
    deployment: ctx.member.deployment,
    namespace: ctx.cluster.namespace,
    memberName: ctx.member.name,
    peerURL: ctx.member.peerURL,
    workload: member.workload,
    replicas: member.deployment?.spec?.replicas ?? 1,
    log: member.log,
    listKnown: cluster.list !== undefined,
    ...(cluster.real.clusterId !== undefined ? { clusterId: cluster.real.clusterId } : {}),
    ...(member.facts ? { pod: member.facts } : {}),
    ...(entry ? { listEntry: { id: entry.id, isLearner: entry.isLearner } } : {}),
    ...(ownProbe?.status ? { memberStatus: ownProbe.status } : {}),
  };
  const claim = persistentVolumeClaimOf(member.deployment);
  if (claim !== undefined) facts.persistentVolumeClaim = claim;
  const classification = classifyMember(facts);

  // Without a pinned ID, member lists and changes must still go to the real cluster only.
  const clusterId = cluster.real.clusterId;
  const membership =
    clusterId !== undefined && ctx.cluster.clusterID === undefined && ctx.etcdForCluster
      ? run.own(ctx.etcdForCluster(clusterId))
      : ctx.etcd;

  const acting = classification.verdict === "recover" || classification.verdict.startsWith("resume");
  // An earlier attempt got the member healthy but ended before it took its mark away.
  const cleared = mark && classification.verdict === "healthy" && ctx.mode === "act" && (await clearUnderWay(ctx));
  return {
    outcome: "done",
    detail: cleared ? `${classification.reason}; removed the earlier recovery's mark` : classification.reason,
    ...(acting
      ? { event: { type: "Warning" as const, reason: "MemberDiagnosed", message: classification.reason } }
      : {}),
    result: { ...classification, member, cluster, ...(entry ? { entry } : {}), membership },
  };
}

/** The object the recovery's Events are recorded on: the member's Deployment, or its StatefulSet. */
function eventTarget(ctx: RecoveryContext, member: MemberObservation): EventTarget {
  const { deployment, statefulSet } = member;
  const object = deployment ?? statefulSet;
  return {
    kind: deployment ? "Deployment" : "StatefulSet",
    apiVersion: "apps/v1",
    namespace: ctx.cluster.namespace,
    name: object?.metadata?.name ?? ctx.member.deployment,
    ...(object?.metadata?.uid ? { uid: object.metadata.uid } : {}),
  };
}

function reportMember(run: RecoveryRun, member: MemberObservation): void {
  const name = run.ctx.member.deployment;
  if (member.workload !== "deployment") return;
  const replicas = member.deployment?.spec?.replicas ?? 1;
  const facts = member.facts;
  if (!facts) {
    run.progress(`Deployment ${name} (replicas ${replicas}) has no Pod`);
    return;
  }
  const state = facts.deleting
    ? "Terminating"
    : (facts.stateReason ?? (facts.state === "running" ? "Running" : facts.phase));
  const others = member.pods.length > 1 ? ` (${member.pods.length} Pods match)` : "";
  run.progress(
    `Pod ${facts.name} is ${state}, ${facts.ready ? "Ready" : "not Ready"}, restarts ${facts.restartCount}${others}; ` +
      `log: ${member.logSource}`,
  );
}

function reportCluster(run: RecoveryRun, cluster: ClusterObservation): void {
  const { real, probes, list } = cluster;
  const answering = probes.filter((p) => p.status).length;
  const id = real.clusterId === undefined ? "no cluster" : `cluster ${hexId(real.clusterId)}`;
  run.progress(`${answering} of ${probes.length} members answer; ${real.members.length} for ${id}`);
  for (const probe of probes) {
    if (probe.status) continue;
    const { index, name, clientURL } = probe.member;
    run.logger.info({ peer: index, clientURL, reason: probe.error }, `member ${name} does not answer`);
    run.progress(`member ${name} (${clientURL}) does not answer: ${probe.error ?? "no reason given"}`);
  }
  for (const foreign of real.foreign) {
    run.progress(
      `${foreign.clientURL} answers for cluster ${hexId(foreign.clusterId)}, not part of the cluster: ignored`,
    );
  }
  if (list) {
    const learners = list.members.filter((m) => m.isLearner).length;
    run.progress(
      `member list: ${list.members.length} ` +
        `members${learners > 0 ? ` (${learners} learner${learners > 1 ? "s" : ""})` : ""}`,
    );
  } else if (cluster.listError) run.progress(`no member list: ${cluster.listError}`);
}

/** Reads the member's Deployment (or a StatefulSet of that name), its Pods and its etcd container's last log. */
async function observeMember(ctx: RecoveryContext, tailLines: number): Promise<MemberObservation> {
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
    observation.logSource = `unavailable (${messageOf(error)})`;
  }
  return observation;
}

/** Name of the Deployment's etcd container. */
function etcdContainerName(deployment: V1Deployment): string | undefined {
  return findEtcdContainer(deployment.spec?.template?.spec?.containers ?? [])?.name;
}

/** A PersistentVolumeClaim the Deployment's Pods mount, if any. */
function persistentVolumeClaimOf(deployment: V1Deployment | undefined): string | undefined {
  return deployment?.spec?.template?.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim
    ?.claimName;
}
