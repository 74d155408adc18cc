import type { V1PersistentVolumeClaim, V1StatefulSet } from "@kubernetes/client-node";
import { generateExampleStatefulSet, statefulSetLabels } from "../../src/cli/example-statefulset-manifests.js";
import { parseConfig } from "../../src/core/config/load.js";
import type { ResolvedCluster, ResolvedMember } from "../../src/core/config/types.js";
import { STATEFULSET_POD_NAME_LABEL } from "../../src/core/labels.js";
import type { EtcdGateway, KeyValueHash, MemberList } from "../../src/gateways/etcd/etcd-gateway.js";
import type { KubernetesGateway } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import type { RecoveryContext } from "../../src/recovery/context.js";
import { diagnoseWhenDecided } from "../../src/recovery/diagnose.js";
import { guard, type Plan } from "../../src/recovery/guard.js";
import { RecoveryRun } from "../../src/recovery/recovery-run.js";
import { REVISION_LABEL } from "../../src/recovery/statefulset-revision.js";
import { asPromise } from "./as-promise.js";
import { FakeEtcdCluster } from "./fake-etcd-cluster.js";
import { BOOTSTRAPPED_LOG, type FakeContainerState, memberPod } from "./fake-world.js";

/** The example generator's StatefulSet `example` of three members in namespace `default`, as a client-node object. */
export function exampleStatefulSet(): V1StatefulSet {
  const generated = generateExampleStatefulSet({ name: "example", members: 3, namespace: "default" });
  return structuredClone(generated.find((m) => m.kind === "StatefulSet")) as unknown as V1StatefulSet;
}

/**
 * An in-memory StatefulSet cluster `example` of three members behind both gateways: the StatefulSet as the example
 * generator writes it, its Pods `example-0`.. on claims `data-example-0`.., and an etcd member list with processes
 * answering at the members' client URLs. Writing the StatefulSet moves its revision as the controller would (a
 * template seen before gets its revision back); a deleted Pod is made again at once, Running and Ready, from the update
 * revision, its etcd process as it was unless `startMember` starts it. Every change is logged in `calls`; a call no
 * test needs rejects.
 */
export class FakeStatefulSetWorld extends FakeEtcdCluster {
  set: V1StatefulSet;
  readonly logs = new Map<string, string>();
  readonly claims = new Map<string, V1PersistentVolumeClaim>();
  /** Revision names by Pod template, as ControllerRevisions keep them. */
  private readonly revisions = new Map<string, string>();
  private podCounter = 0;
  /** Called with the member's index when its Pod is made again after a delete: what its new etcd process does. */
  startMember: ((index: number) => void) | undefined;

  constructor() {
    super(statefulSetCluster());
    this.set = exampleStatefulSet();
    this.set.metadata = { ...this.set.metadata, uid: "uid-example", generation: 1 };
    const revision = this.revisionOf(this.set);
    this.set.status = { replicas: 3, observedGeneration: 1, currentRevision: revision, updateRevision: revision };
    for (const member of this.cluster.members) {
      this.setPod(member.index, { kind: "running", ready: true }, { keepProcess: true });
      const claim = `data-${this.podOf(member)}`;
      this.claims.set(claim, { metadata: { name: claim, namespace: "default", uid: `uid-${claim}` } });
    }
  }

  /** The etcd container of the StatefulSet's template. */
  container() {
    const container = this.set.spec?.template.spec?.containers[0];
    if (!container) throw new Error("the StatefulSet has no container");
    return container;
  }

  /** Replaces member `index`'s Pod with one in `state` (from the update revision); its process stops unless kept. */
  setPod(index: number, state: FakeContainerState, options: { keepProcess?: boolean; log?: string } = {}): void {
    const member = this.member(index);
    const name = this.podOf(member);
    if (!options.keepProcess) this.processes.delete(member.clientURL);
    const labels = {
      ...statefulSetLabels("example"),
      [STATEFULSET_POD_NAME_LABEL]: name,
      [REVISION_LABEL]: this.set.status?.updateRevision ?? this.revisionOf(this.set),
    };
    const now = this.clock.now();
    const pod = memberPod({
      name,
      namespace: "default",
      labels,
      createdAt: now - 60_000,
      state,
      readySince: now - 60_000,
    });
    pod.metadata!.uid = `uid-${name}-${this.podCounter++}`;
    this.pods.set(name, pod);
    if (options.log !== undefined) this.logs.set(name, options.log);
    this.notify();
  }

  /** Member `index`'s Pod crash-loops with `log` (its data was lost); its etcd process is gone. */
  crashLoop(index: number, log = BOOTSTRAPPED_LOG): void {
    this.setPod(index, { kind: "crash-loop", restartCount: 3 }, { log });
  }

  kubernetes(): KubernetesGateway {
    const unused = (what: string) => () => Promise.reject(new Error(`the StatefulSet fake does not ${what}`));
    return {
      readDeployment: () => Promise.resolve(undefined),
      readStatefulSet: (_ns, name) => Promise.resolve(name === "example" ? structuredClone(this.set) : undefined),
      updateStatefulSet: (_ns, name, change) =>
        asPromise(() => {
          this.calls.push(`update ${name}`);
          const copy = structuredClone(this.set);
          change(copy);
          this.write(copy);
          return structuredClone(this.set);
        }),
      deletePod: (_ns, name, uid) =>
        asPromise(() => {
          this.calls.push(`delete pod ${name}`);
          if (this.pods.get(name)?.metadata?.uid !== uid) return false;
          const member = this.cluster.members.find((m) => this.podOf(m) === name);
          if (!member) return true;
          this.setPod(member.index, { kind: "running", ready: true }, { keepProcess: true });
          this.startMember?.(member.index);
          return true;
        }),
      readPersistentVolumeClaim: (_ns, name) => Promise.resolve(structuredClone(this.claims.get(name))),
      deletePersistentVolumeClaim: (_ns, name, uid) =>
        asPromise(() => {
          this.calls.push(`delete claim ${name}`);
          if (this.claims.get(name)?.metadata?.uid !== uid) return false;
          this.claims.delete(name);
          return true;
        }),
      waitForClaimGone: () => Promise.resolve(),
      createPersistentVolumeClaim: unused("create claims"),
      scaleDeployment: unused("scale Deployments"),
      updateDeployment: unused("update Deployments"),
      listPods: (_ns, selector) => Promise.resolve({ pods: this.select(selector), resourceVersion: "1" }),
      waitForPods: (_ns, selector, check, what, timeoutMs, signal) =>
        this.waitForPods(selector, check, what, timeoutMs, signal),
      readPodLog: (_ns, pod) => Promise.resolve(this.logs.get(pod) ?? ""),
      acquireLease: (namespace, name, holder, durationSeconds) =>
        Promise.resolve({ namespace, name, holder, durationSeconds }),
      renewLease: () => Promise.resolve(),
      releaseLease: () => Promise.resolve(),
      recordEvent: (target, event) => {
        this.events.push({ target, event });
        return Promise.resolve();
      },
      reviewAccess: () => Promise.resolve({ allowed: true, reason: "" }),
    };
  }

  etcd(): EtcdGateway {
    const unused = (what: string) => () => Promise.reject(new Error(`the StatefulSet fake does not ${what}`));
    return {
      memberList: () => Promise.resolve({ clusterId: this.clusterId, members: structuredClone(this.members) }),
      memberListFrom: (url) =>
        asPromise((): MemberList => {
          this.status(url);
          return { clusterId: this.clusterId, members: structuredClone(this.members) };
        }),
      status: (url) => asPromise(() => this.status(url)),
      addMember: unused("add members"),
      removeMember: unused("remove members"),
      promoteMember: unused("promote members"),
      hashKV: (url, revision) =>
        asPromise((): KeyValueHash => {
          this.status(url);
          return { hash: 424242, compactRevision: "1", revision: String(revision ?? 100) };
        }),
      snapshot: unused("take snapshots"),
      close: () => Promise.resolve(),
    };
  }

  private podOf(member: ResolvedMember): string {
    if (member.workload.kind !== "StatefulSet") throw new Error("a StatefulSet member was expected");
    return member.workload.pod;
  }

  /** Stores a written StatefulSet as the API server and its controller would: a new template is a new revision. */
  private write(next: V1StatefulSet): void {
    const before = this.set;
    const generation = before.metadata?.generation ?? 1;
    const specChanged = JSON.stringify(next.spec) !== JSON.stringify(before.spec);
    const nextGeneration = specChanged ? generation + 1 : generation;
    next.metadata = { ...next.metadata, generation: nextGeneration };
    next.status = {
      ...before.status,
      replicas: before.status?.replicas ?? 3,
      observedGeneration: nextGeneration,
      updateRevision: this.revisionOf(next),
    };
    this.set = next;
  }

  /** The revision of the StatefulSet's template: a new name for a template not seen before. */
  private revisionOf(set: V1StatefulSet): string {
    const template = JSON.stringify(set.spec?.template);
    const known = this.revisions.get(template);
    if (known) return known;
    const name = `example-${this.revisions.size + 1}`;
    this.revisions.set(template, name);
    return name;
  }
}

/** The configured cluster of a FakeStatefulSetWorld: three members of StatefulSet `example`. */
function statefulSetCluster(): ResolvedCluster {
  const yaml = ["clusters:", "  - name: example", "    members: 3", "    statefulSet:", "      name: example"];
  const cluster = parseConfig(yaml.join("\n"), "test.yaml").catalog.clusters[0];
  if (!cluster) throw new Error("no cluster");
  return cluster;
}

/** Diagnose and Guard of a recovery, as `runRecovery` runs them: the run (still open) and what Guard cleared. */
export async function plannedRecovery(ctx: RecoveryContext): Promise<{ run: RecoveryRun; plan: Plan }> {
  const run = new RecoveryRun(ctx);
  const diagnosis = await run.step("diagnose", () => diagnoseWhenDecided(run));
  if (diagnosis.verdict !== "recover") throw new Error(`diagnosed ${diagnosis.verdict}: ${diagnosis.reason}`);
  const plan = await run.step("guard", () => guard(run, { ...diagnosis, verdict: "recover" }));
  return { run, plan };
}
