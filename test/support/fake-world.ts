import type { V1Deployment, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { parseConfig } from "../../src/core/config/load.js";
import type { ResolvedCluster, ResolvedMember } from "../../src/core/config/types.js";
import { EtcdUnavailableError, LeaseHeldError, LeaseLostError } from "../../src/core/errors.js";
import type { EtcdGateway, EtcdMember, KeyValueHash, MemberList } from "../../src/gateways/etcd/etcd-gateway.js";
import type { HeldLease, KubernetesGateway } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import type { SnapshotDirectory } from "../../src/recovery/snapshot.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { asPromise } from "./as-promise.js";
import { FakeEtcdCluster, type WorldExtras } from "./fake-etcd-cluster.js";

/** Labels that select member `index`'s Pods, as the example cluster sets them. */
export function memberLabels(cluster: string, index: number): Record<string, string> {
  return { "etcd.responder.io/cluster": cluster, "etcd.responder.io/member": String(index) };
}

/** A member Deployment shaped like the example cluster's: `etcd` container with flags in args. */
export function memberDeployment(options: {
  cluster: string;
  namespace: string;
  index: number;
  name: string;
  memberName: string;
  peerURL: string;
  initialCluster: string;
}): V1Deployment {
  const labels = memberLabels(options.cluster, options.index);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: options.name, namespace: options.namespace, uid: `uid-${options.name}`, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "etcd",
              image: "etcd:3.4",
              command: ["etcd"],
              args: [
                `--name=${options.memberName}`,
                "--data-dir=/var/lib/etcd/default.etcd",
                `--initial-advertise-peer-urls=${options.peerURL}`,
                `--initial-cluster=${options.initialCluster}`,
                "--initial-cluster-state=new",
                `--initial-cluster-token=${options.cluster}`,
              ],
              env: [{ name: "ETCDCTL_API", value: "3" }],
              volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }],
            },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
  };
}

/** How a fake Pod's etcd container is doing. */
export type FakeContainerState =
  | { kind: "running"; ready: boolean; restartCount?: number }
  | { kind: "crash-loop"; restartCount: number; exitCode?: number }
  | { kind: "creating" };

/** A Pod of a member Deployment in the given state. */
export function memberPod(options: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  createdAt: number;
  state: FakeContainerState;
  readySince: number;
}): V1Pod {
  const { state } = options;
  const ready = state.kind === "running" && state.ready;
  const restartCount = state.kind === "creating" ? 0 : (state.restartCount ?? 0);
  const terminated = {
    exitCode: state.kind === "crash-loop" ? (state.exitCode ?? 1) : 0,
    reason: "Error",
    finishedAt: new Date(options.readySince),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { ...options.labels },
      creationTimestamp: new Date(options.createdAt),
      uid: `uid-${options.name}`,
    },
    status: {
      phase: state.kind === "creating" ? "Pending" : "Running",
      conditions: [
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: new Date(options.readySince) },
        { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: new Date(options.readySince) },
      ],
      containerStatuses: [
        {
          name: "etcd",
          image: "etcd:3.4",
          imageID: "etcd@sha256:fake",
          ready,
          restartCount,
          state:
            state.kind === "running"
              ? { running: { startedAt: new Date(options.createdAt) } }
              : state.kind === "creating"
                ? { waiting: { reason: "ContainerCreating" } }
                : { waiting: { reason: "CrashLoopBackOff", message: "back-off restarting failed container" } },
          ...(state.kind === "crash-loop" ? { lastState: { terminated } } : {}),
        },
      ],
    },
  };
}

/** The log of a member restarted empty under an identity the cluster knows. */
export const BOOTSTRAPPED_LOG = [
  "2024-01-02 03:04:00.000000 I | etcdmain: etcd Version: 3.4.23",
  "2024-01-02 03:04:00.100000 I | embed: name = example3",
  "2024-01-02 03:04:00.200000 C | etcdmain: member 3ec3a7f0bf0a8a50 has already been bootstrapped",
].join("\n");

/** The log of a member that fails for a reason remove + add cannot fix. */
export const PERMISSION_LOG = [
  "2024-01-02 03:04:00.000000 I | etcdmain: etcd Version: 3.4.23",
  "2024-01-02 03:04:00.200000 C | etcdmain: cannot access data directory: " +
    "mkdir /var/lib/etcd/default.etcd: permission denied",
].join("\n");

export interface WorldOptions {
  /** Members of the cluster; default 5. */
  members?: number;
  useLearners?: boolean;
  snapshots?: boolean;
  /** Pinned cluster ID in the configuration. */
  clusterID?: string;
}

/**
 * An in-memory cluster behind both gateways: Deployments and Pods that act like the example cluster's
 * (scale to 0 removes the Pod, scale to 1 starts etcd from the Deployment's flags), and an etcd member list
 * with processes answering at the members' client URLs. Every change is logged in `calls`.
 */
export class FakeWorld extends FakeEtcdCluster {
  readonly deployments = new Map<string, V1Deployment>();
  readonly statefulSets = new Map<string, V1StatefulSet>();
  readonly logs = new Map<string, { current: string; previous: string }>();
  readonly leases = new Map<string, { holder: string; renewedAt: number; duration: number }>();
  readonly snapshotFiles: string[] = [];
  /** Errors thrown (once each, in order) by the next calls of an operation, e.g. `add`, `promote`, `update`. */
  readonly failures = new Map<string, Error[]>();
  /** Called with every change operation before it is applied. */
  onCall: ((call: string) => void) | undefined;
  /**
   * Requests the responder may not make, as `verb resource[/subresource]` (`update deployments`); every other
   * access review answers allowed. `review` in `failures` makes the reviews themselves fail.
   */
  readonly deniedAccess = new Set<string>();
  /** How a Pod created by scaling up behaves; default: etcd from the Deployment's flags. */
  startPod: ((index: number, deployment: V1Deployment) => FakeContainerState) | undefined;
  closedGateways = 0;
  private nextId = 2001;
  private podCounter = 0;

  constructor(options: WorldOptions = {}) {
    super(worldCluster(options));
    const cluster = this.cluster;
    const initialCluster = cluster.members.map((m) => `${m.name}=${m.peerURL}`).join(",");
    for (const member of cluster.members) {
      this.deployments.set(
        deploymentOf(member),
        memberDeployment({
          cluster: cluster.name,
          namespace: cluster.namespace,
          index: member.index,
          name: deploymentOf(member),
          memberName: member.name,
          peerURL: member.peerURL,
          initialCluster,
        }),
      );
      this.addPod(member, { kind: "running", ready: true });
    }
  }

  entryOf(index: number): EtcdMember | undefined {
    return this.members.find((m) => m.peerURLs.includes(this.member(index).peerURL));
  }

  podsOf(index: number): V1Pod[] {
    const labels = memberLabels(this.cluster.name, index);
    return [...this.pods.values()].filter((p) =>
      Object.entries(labels).every(([k, v]) => p.metadata?.labels?.[k] === v),
    );
  }

  /** The member's Pod crash-loops with `log`; its etcd process is gone. Not Ready for `notReadyForMs`. */
  crashLoop(index: number, log = BOOTSTRAPPED_LOG, notReadyForMs = 60_000): void {
    const member = this.member(index);
    for (const pod of this.podsOf(index)) this.pods.delete(pod.metadata?.name ?? "");
    this.processes.delete(member.clientURL);
    const pod = this.addPod(member, { kind: "crash-loop", restartCount: 3 }, notReadyForMs);
    this.logs.set(pod, { current: "", previous: log });
    this.notify();
  }

  /**
   * Member `index` crash-loops and a first recovery of it was interrupted right after Stop: its Deployment is
   * at 0 replicas and marked as under recovery. The calls made so far are forgotten.
   */
  async stoppedByAnInterruptedRecovery(index: number): Promise<void> {
    this.crashLoop(index);
    const controller = new AbortController();
    this.onCall = (call) => {
      if (call === `scale example-${index} 0`) controller.abort();
    };
    const first = await runRecovery(this.context({ index, signal: controller.signal }));
    this.onCall = undefined;
    if (first.outcome !== "failed") throw new Error(`the interrupted recovery ended ${first.outcome}`);
    this.calls.length = 0;
  }

  /** The member's Pods vanish (nothing recreates them) and its process stops. */
  removePods(index: number): void {
    for (const pod of this.podsOf(index)) this.pods.delete(pod.metadata?.name ?? "");
    this.processes.delete(this.member(index).clientURL);
    this.notify();
  }

  /** Replaces the member's Pod with one in `state`, keeping (or not) its process. */
  setPod(
    index: number,
    state: FakeContainerState,
    options: { keepProcess?: boolean; log?: string; notReadyForMs?: number } = {},
  ): string {
    for (const pod of this.podsOf(index)) this.pods.delete(pod.metadata?.name ?? "");
    if (!options.keepProcess) this.processes.delete(this.member(index).clientURL);
    const pod = this.addPod(this.member(index), state, options.notReadyForMs ?? 0);
    if (options.log !== undefined) this.logs.set(pod, { current: options.log, previous: options.log });
    this.notify();
    return pod;
  }

  /** Removes a member from the etcd member list directly (as an operator would). */
  removeEntry(index: number): void {
    const entry = this.entryOf(index);
    this.members = this.members.filter((m) => m !== entry);
  }

  protected override extraParts(): WorldExtras {
    return { snapshotDirectory: this.snapshotDirectory() };
  }

  kubernetes(): KubernetesGateway {
    return {
      readDeployment: (_ns, name) => Promise.resolve(structuredClone(this.deployments.get(name))),
      readStatefulSet: (_ns, name) => Promise.resolve(structuredClone(this.statefulSets.get(name))),
      scaleDeployment: (_ns, name, replicas) => asPromise(() => this.scale(name, replicas)),
      updateDeployment: (_ns, name, change) =>
        asPromise(() => {
          this.call(`update ${name}`);
          const current = this.deployments.get(name);
          if (!current) throw new Error(`deployments.apps "${name}" not found`);
          const copy = structuredClone(current);
          change(copy);
          this.deployments.set(name, copy);
          // As a Deployment controller would: a new replica count in the same write starts or stops Pods.
          const replicas = copy.spec?.replicas ?? 1;
          if (replicas !== (current.spec?.replicas ?? 1)) this.applyReplicas(name, replicas);
          return structuredClone(copy);
        }),
      updateStatefulSet: () => Promise.reject(new Error("the fake world runs Deployment members only")),
      deletePod: () => Promise.reject(new Error("the fake world runs Deployment members only")),
      readPersistentVolumeClaim: () => Promise.resolve(undefined),
      deletePersistentVolumeClaim: () => Promise.reject(new Error("the fake world has no claims")),
      createPersistentVolumeClaim: () => Promise.reject(new Error("the fake world has no claims")),
      waitForClaimGone: () => Promise.reject(new Error("the fake world has no claims")),
      listPods: (_ns, selector) => Promise.resolve({ pods: this.select(selector), resourceVersion: "1" }),
      waitForPods: (_ns, selector, check, what, timeoutMs) => this.waitForPods(selector, check, what, timeoutMs),
      readPodLog: (_ns, pod, request) => {
        const log = this.logs.get(pod);
        return Promise.resolve((request.previous ? log?.previous : log?.current) ?? "");
      },
      acquireLease: (namespace, name, holder, durationSeconds) =>
        asPromise((): HeldLease => {
          const lease = this.leases.get(name);
          const now = this.clock.now();
          const heldByOther = lease && lease.holder !== "" && lease.holder !== holder;
          if (heldByOther && now - lease.renewedAt < lease.duration * 1000) {
            throw new LeaseHeldError(
              `${namespace}/${name}`,
              lease.holder,
              new Date(lease.renewedAt + lease.duration * 1000),
            );
          }
          this.call(`lease acquire ${holder}`);
          this.leases.set(name, { holder, renewedAt: now, duration: durationSeconds });
          return { namespace, name, holder, durationSeconds };
        }),
      renewLease: (held) =>
        asPromise(() => {
          const lease = this.leases.get(held.name);
          this.fail("renew");
          if (!lease || lease.holder !== held.holder)
            throw new LeaseLostError(`${held.namespace}/${held.name}`, held.holder, lease?.holder || undefined);
          lease.renewedAt = this.clock.now();
        }),
      releaseLease: (held) =>
        asPromise(() => {
          const lease = this.leases.get(held.name);
          if (lease?.holder === held.holder) {
            this.call(`lease release ${held.holder}`);
            this.leases.delete(held.name);
          }
        }),
      recordEvent: (target, event) => {
        this.events.push({ target, event });
        return Promise.resolve();
      },
      reviewAccess: (access) =>
        asPromise(() => {
          this.fail("review");
          const request = `${access.verb} ${access.resource}${access.subresource ? `/${access.subresource}` : ""}`;
          return { allowed: !this.deniedAccess.has(request), reason: "" };
        }),
    };
  }

  etcd(): EtcdGateway {
    return {
      memberList: () =>
        asPromise(() => {
          const url = [...this.processes.entries()].find(([, p]) => p.clusterId === this.clusterId)?.[0];
          if (!url) throw new EtcdUnavailableError("no etcd member returned the member list", []);
          return this.listFrom(url);
        }),
      memberListFrom: (url) => asPromise(() => this.listFrom(url)),
      status: (url) => asPromise(() => this.status(url)),
      addMember: (peerURL, options) =>
        asPromise(() => {
          this.call(`add ${peerURL} ${options.learner ? "learner" : "voter"}`);
          this.requireLeader();
          if (this.members.some((m) => m.peerURLs.includes(peerURL)))
            throw new Error("9 FAILED_PRECONDITION: etcdserver: Peer URLs already exists");
          if (options.learner && this.members.some((m) => m.isLearner))
            throw new Error("9 FAILED_PRECONDITION: etcdserver: too many learner members in cluster");
          const member: EtcdMember = {
            id: String(this.nextId++),
            name: "",
            peerURLs: [peerURL],
            clientURLs: [],
            isLearner: options.learner,
          };
          this.members.push(member);
          return { member: structuredClone(member), members: structuredClone(this.members) };
        }),
      removeMember: (id) =>
        asPromise(() => {
          this.call(`remove ${id}`);
          this.requireLeader();
          if (!this.members.some((m) => m.id === id)) throw new Error("5 NOT_FOUND: etcdserver: member not found");
          this.members = this.members.filter((m) => m.id !== id);
        }),
      promoteMember: (id) =>
        asPromise(() => {
          this.call(`promote ${id}`);
          const member = this.members.find((m) => m.id === id);
          if (!member) throw new Error("5 NOT_FOUND: etcdserver: member not found");
          if (!member.isLearner)
            throw new Error("9 FAILED_PRECONDITION: etcdserver: can only promote a learner member");
          member.isLearner = false;
          this.refreshReadiness();
        }),
      hashKV: (url, revision) =>
        asPromise((): KeyValueHash => {
          this.status(url);
          return { hash: 424242, compactRevision: "1", revision: String(revision ?? 100) };
        }),
      snapshot: (url, file) =>
        asPromise(() => {
          this.call(`snapshot ${url} ${file}`);
          this.snapshotFiles.push(file.split("/").pop() ?? file);
          return { bytes: 2048 };
        }),
      close: () => {
        this.closedGateways++;
        return Promise.resolve();
      },
    };
  }

  snapshotDirectory(): SnapshotDirectory {
    return {
      list: () => Promise.resolve([...this.snapshotFiles]),
      remove: (path) =>
        asPromise(() => {
          this.call(`delete ${path}`);
          const name = path.split("/").pop();
          const at = this.snapshotFiles.indexOf(name ?? "");
          if (at >= 0) this.snapshotFiles.splice(at, 1);
        }),
    };
  }

  private listFrom(url: string): MemberList {
    const process = this.processes.get(url);
    if (!process || this.unreachable.has(url))
      throw new EtcdUnavailableError(`etcd member ${url} did not answer (member list)`, url);
    if (process.clusterId !== this.clusterId) {
      return {
        clusterId: process.clusterId,
        members: [
          { id: process.memberId, name: "stray", peerURLs: ["http://stray:2380"], clientURLs: [url], isLearner: false },
        ],
      };
    }
    return { clusterId: this.clusterId, members: structuredClone(this.members) };
  }

  private requireLeader(): void {
    if (this.leader() === "0") throw new EtcdUnavailableError("no voting etcd member with a leader answered", []);
  }

  private call(call: string): void {
    this.calls.push(call);
    this.onCall?.(call);
    this.fail(call.split(" ")[0] ?? call);
  }

  private fail(operation: string): void {
    const queue = this.failures.get(operation);
    const error = queue?.shift();
    if (error !== undefined) throw error;
  }

  private scale(name: string, replicas: number): void {
    this.call(`scale ${name} ${replicas}`);
    this.applyReplicas(name, replicas);
  }

  private applyReplicas(name: string, replicas: number): void {
    const deployment = this.deployments.get(name);
    if (!deployment?.spec) throw new Error(`deployments.apps "${name}" not found`);
    deployment.spec.replicas = replicas;
    const member = this.cluster.members.find((m) => deploymentOf(m) === name);
    if (!member) return;
    if (replicas === 0) {
      for (const pod of this.podsOf(member.index)) this.pods.delete(pod.metadata?.name ?? "");
      this.processes.delete(member.clientURL);
    } else if (this.podsOf(member.index).length === 0) {
      this.startFromDeployment(member, deployment);
    }
    this.notify();
  }

  /** Runs etcd the way the Deployment's flags say: it joins only with state `existing` and a listed peer URL. */
  private startFromDeployment(member: ResolvedMember, deployment: V1Deployment): void {
    const args = deployment.spec?.template?.spec?.containers?.[0]?.args ?? [];
    const existing = args.includes("--initial-cluster-state=existing");
    const entry = this.entryOf(member.index);
    const state: FakeContainerState =
      this.startPod?.(member.index, deployment) ??
      (existing && entry ? { kind: "running", ready: !entry.isLearner } : { kind: "crash-loop", restartCount: 2 });
    const pod = this.addPod(member, state);
    if (state.kind === "running" && entry) {
      entry.name = member.name;
      entry.clientURLs = [member.clientURL];
      this.processes.set(member.clientURL, { memberId: entry.id, clusterId: this.clusterId });
    } else {
      this.logs.set(pod, {
        current: "",
        previous: existing
          ? "C | etcdmain: error validating peerURLs {...}: member count is unequal"
          : BOOTSTRAPPED_LOG,
      });
    }
  }

  private refreshReadiness(): void {
    for (const member of this.cluster.members) {
      const entry = this.entryOf(member.index);
      const process = this.processes.get(member.clientURL);
      if (!entry || entry.isLearner || process?.memberId !== entry.id) continue;
      for (const pod of this.podsOf(member.index)) {
        const status = pod.status?.containerStatuses?.[0];
        if (!status?.state?.running || status.ready) continue;
        status.ready = true;
        for (const condition of pod.status?.conditions ?? []) {
          condition.status = "True";
          condition.lastTransitionTime = new Date(this.clock.now());
        }
      }
    }
    this.notify();
  }

  private addPod(member: ResolvedMember, state: FakeContainerState, notReadyForMs = 0): string {
    const name = `${deploymentOf(member)}-abc${this.podCounter++}`;
    const now = this.clock.now();
    this.pods.set(
      name,
      memberPod({
        name,
        namespace: this.cluster.namespace,
        labels: memberLabels(this.cluster.name, member.index),
        createdAt: now - notReadyForMs,
        state,
        readySince: now - notReadyForMs,
      }),
    );
    return name;
  }
}

/** The member's Deployment: the fake world runs the seed's layout only. */
function deploymentOf(member: ResolvedMember): string {
  if (member.workload.kind !== "Deployment") throw new Error("the fake world runs Deployment members only");
  return member.workload.name;
}

/** The configured cluster of a FakeWorld. */
function worldCluster(options: WorldOptions): ResolvedCluster {
  const count = options.members ?? 5;
  const yaml = [
    "clusters:",
    "  - name: example",
    `    members: ${count}`,
    `    useLearners: ${options.useLearners ?? true}`,
    ...(options.clusterID ? [`    clusterID: "${options.clusterID}"`] : []),
    "    snapshots:",
    `      enabled: ${options.snapshots ?? true}`,
    "      dir: /backups",
    "      keep: 2",
  ].join("\n");
  const cluster = parseConfig(yaml, "test.yaml").catalog.clusters[0];
  if (!cluster) throw new Error("no cluster");
  return cluster;
}
