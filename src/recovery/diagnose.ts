import { messageOf, UnsafeRecoveryError } from "../core/errors.js";
import { classifyMember, type Classification, type DiagnosisFacts } from "./decisions/classify.js";
import type { EtcdGateway, EtcdMember } from "../gateways/etcd/etcd-gateway.js";
import { type ClusterObservation, type MemberObservation, entryOf, observeCluster } from "./cluster-view.js";
import { hexId } from "./decisions/members.js";
import { seconds } from "./report.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { findEtcdContainer, currentPod, podFacts, podsOfMember } from "./pods.js";
import type { RecoveryContext } from "./context.js";
import { clearUnderWay, describeUnderWay, markIsOwn, readUnderWay } from "./under-way.js";
import { claimOfDeployment } from "./member-layout.js";
import { describeMemberRunner, type WorkloadObject, workloadEventTarget } from "./member-workload.js";
import type { MemberWorkload } from "../core/config/types.js";

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
  /** StatefulSet members: an earlier attempt of this member's recovery holds the StatefulSet (see Hold). */
  heldForThisMember: boolean;
};

/** The pause between two looks of Diagnose while it is too early to tell. */
const UNDECIDED_PAUSE_MS = 1000;

/**
 * Step 2, Diagnose, looking again while it is too early to tell (`retry-later`), for up to `undecidedWaitMs`: a
 * crash-looping Pod is often caught Running between two crashes, and its next crash tells. Changes nothing.
 */
export async function diagnoseWhenDecided(run: RecoveryRun): Promise<StepOutcome<Diagnosis>> {
  const { clock, signal } = run.ctx;
  const deadline = clock.now() + run.tuning.undecidedWaitMs;
  for (;;) {
    const outcome = await diagnose(run);
    if (outcome.result.verdict !== "retry-later" || clock.now() >= deadline || signal?.aborted) return outcome;
    run.progress(`${outcome.result.reason}; looking again in ${seconds(UNDECIDED_PAUSE_MS)}`);
    await clock.sleep(UNDECIDED_PAUSE_MS, signal);
  }
}

/**
 * One look of Diagnose: look at the member's Deployment, Pod and log, ask every member of the cluster for its
 * status, find the real cluster and its member list, and decide (see `classifyMember`). Changes nothing.
 */
async function diagnose(run: RecoveryRun): Promise<StepOutcome<Diagnosis>> {
  const { ctx } = run;
  const [member, cluster] = await Promise.all([observeMember(ctx, run.tuning.logTailLines), observeCluster(ctx)]);
  const { workload } = ctx.member;
  if (member.object) run.recordEventsOn(workloadEventTarget(ctx.cluster.namespace, ctx.member, member.object));
  reportMember(run, member);
  reportCluster(run, cluster);
  const mark = readUnderWay(member.object);
  if (mark && !markIsOwn(mark, ctx)) {
    throw new UnsafeRecoveryError(
      "other-recovery-under-way",
      `${describeUnderWay(workload, mark)}: that recovery changed the StatefulSet for its member and has not ` +
        `finished; recover member ${mark.member ?? "(unknown)"} first (its recovery puts the StatefulSet back), then ` +
        `run again`,
    );
  }
  if (mark) run.noteEarlierChange(describeUnderWay(workload, mark));

  const entry = entryOf(cluster.list, ctx.member);
  const ownProbe = cluster.probes.find((p) => p.member.index === ctx.member.index);
  const facts: DiagnosisFacts = {
    runner: describeMemberRunner(workload),
    kind: workload.kind,
    namespace: ctx.cluster.namespace,
    memberName: ctx.member.name,
    peerURL: ctx.member.peerURL,
    workloadExists: member.object !== undefined,
    earlierAttempt: mark !== undefined,
    replicas: memberReplicas(ctx.member.workload, member.object),
    log: member.log,
    listKnown: cluster.list !== undefined,
    ...(cluster.real.clusterId !== undefined ? { clusterId: cluster.real.clusterId } : {}),
    ...(member.facts ? { pod: member.facts } : {}),
    ...(entry ? { listEntry: { id: entry.id, isLearner: entry.isLearner, name: entry.name } } : {}),
    ...(ownProbe?.status ? { memberStatus: ownProbe.status } : {}),
  };
  const claim = workload.kind === "Deployment" ? claimOfDeployment(member.object) : undefined;
  if (claim !== undefined) facts.persistentVolumeClaim = claim;
  const classification = classifyMember(facts);

  // Without a pinned ID, member lists and changes must still go to the real cluster only.
  const clusterId = cluster.real.clusterId;
  const membership =
    clusterId !== undefined && ctx.cluster.clusterID === undefined && ctx.etcdForCluster
      ? run.own(ctx.etcdForCluster(clusterId))
      : ctx.etcd;

  const acting = classification.verdict === "recover" || classification.verdict.startsWith("resume");
  const heldForThisMember = workload.kind === "StatefulSet" && mark !== undefined;
  // An earlier attempt got a Deployment member healthy but ended before it took its mark away (a StatefulSet's
  // mark goes when Restore puts the StatefulSet back).
  const cleared =
    mark &&
    !heldForThisMember &&
    classification.verdict === "healthy" &&
    ctx.mode === "act" &&
    (await clearUnderWay(ctx));
  return {
    outcome: "done",
    detail: cleared ? `${classification.reason}; removed the earlier recovery's mark` : classification.reason,
    ...(acting
      ? { event: { type: "Warning" as const, reason: "MemberDiagnosed", message: classification.reason } }
      : {}),
    result: { ...classification, member, cluster, ...(entry ? { entry } : {}), membership, heldForThisMember },
  };
}

function reportMember(run: RecoveryRun, member: MemberObservation): void {
  const { workload } = run.ctx.member;
  if (!member.object) return;
  const facts = member.facts;
  if (!facts) {
    const replicas = memberReplicas(workload, member.object);
    run.progress(
      workload.kind === "Deployment"
        ? `Deployment ${workload.name} (replicas ${replicas}) has no Pod`
        : `${describeMemberRunner(workload)} does not exist`,
    );
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

/**
 * The member's replicas: a Deployment's `spec.replicas` (1 when unset); for a StatefulSet member 1 when the
 * StatefulSet's replicas reach its ordinal, else 0.
 */
function memberReplicas(workload: MemberWorkload, object: WorkloadObject | undefined): number {
  const replicas = object?.spec?.replicas ?? 1;
  return workload.kind === "Deployment" ? replicas : replicas > workload.ordinal ? 1 : 0;
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

/** Reads the member's workload, its Pods and its etcd container's last log. */
async function observeMember(ctx: RecoveryContext, tailLines: number): Promise<MemberObservation> {
  const { kubernetes } = ctx;
  const namespace = ctx.cluster.namespace;
  const { workload: object, selector, pods } = await podsOfMember(kubernetes, namespace, ctx.member);
  if (!object || selector === undefined) return { pods: [], log: "", logSource: "none" };
  const pod = currentPod(pods);
  const observation: MemberObservation = { object, selector, pods, log: "", logSource: "none" };
  if (!pod) return observation;

  const container = etcdContainerName(object);
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

/** Name of the workload's etcd container. */
function etcdContainerName(object: WorkloadObject): string | undefined {
  return findEtcdContainer(object.spec?.template?.spec?.containers ?? [])?.name;
}
