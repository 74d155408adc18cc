import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1StatefulSet } from "@kubernetes/client-node";
import { messageOf } from "../../src/core/errors.js";
import { removeMemberByHand } from "./etcd-cluster-checks.js";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { kubectl, kubectlWithin } from "./kubectl.js";
import { isCrashLooping, isReady, waitForPods } from "./pod-watch.js";

/** Rejects with `error`'s message followed by what Pod `pod` last logged: a fault that went otherwise says how. */
async function withPodLog(core: CoreV1Api, namespace: string, pod: string, error: unknown): Promise<never> {
  const log = await core.readNamespacedPodLog({ namespace, name: pod, tailLines: 15 }).catch(() => "(no log)");
  throw new Error(`${messageOf(error)}\nthe last lines of Pod ${pod}:\n${log}`, { cause: error });
}

/** The selector of one StatefulSet Pod: the label its StatefulSet gives it. */
export function statefulSetPodSelector(pod: string): string {
  return `statefulset.kubernetes.io/pod-name=${pod}`;
}

/**
 * Loses a StatefulSet member's data as a drained node or a lost volume does: deletes its claim and its Pod, as
 * a person would with `kubectl delete pvc/CLAIM pod/POD`. The StatefulSet makes the Pod again on a new, empty
 * claim; a Pod made while the old claim was still being deleted waits for it, and is deleted once more. Resolves
 * once the new Pod crash-loops (state `new`: "already bootstrapped"); rejects when it becomes Ready instead. With
 * `untilRunning`, resolves once the new Pod runs, whatever etcd then does in it: a member lost after quorum was
 * gone has no leader to tell it that it was removed, and may just wait.
 */
export async function loseMemberData(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  claim: string,
  options: { untilRunning?: boolean } = {},
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const old = await core.readNamespacedPod({ namespace, name: pod });
  await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: claim });
  await core.deleteNamespacedPod({ namespace, name: pod });
  const oldUid = old.metadata?.uid;
  let deletedAgain = false;
  const outcome = await waitForPods(
    kc,
    namespace,
    statefulSetPodSelector(pod),
    (pods) => {
      const fresh = pods.find((p) => p.metadata?.uid !== oldUid && !p.metadata?.deletionTimestamp);
      if (!fresh) return undefined;
      if (options.untilRunning && fresh.status?.phase === "Running") return "running";
      if (isCrashLooping(fresh)) return "crash-looping";
      if (isReady(fresh)) return "ready";
      // Made before the old claim was gone: it would wait for that claim forever.
      const waitsForClaim = fresh.status?.phase === "Pending" && !(fresh.status?.containerStatuses ?? []).length;
      if (waitsForClaim && !deletedAgain) {
        deletedAgain = true;
        void core
          .readNamespacedPersistentVolumeClaim({ namespace, name: claim })
          .then(
            (current) => current.metadata?.deletionTimestamp !== undefined,
            () => true,
          )
          .then((oldClaimGoing) => {
            if (oldClaimGoing) return core.deleteNamespacedPod({ namespace, name: pod });
            deletedAgain = false;
            return undefined;
          })
          .catch(() => (deletedAgain = false));
      }
      return undefined;
    },
    `Pod ${pod} made again on an empty claim to ${options.untilRunning ? "run" : "crash-loop"}`,
    60_000,
  ).catch((error: unknown) => withPodLog(core, namespace, pod, error));
  if (outcome === "ready") throw new Error(`Pod ${pod} came back Ready on an empty claim instead of crash-looping`);
}

/** Resolves with the Pod's UID once it crash-loops. */
export function waitForCrashLoop(kc: KubeConfig, namespace: string, pod: string): Promise<string> {
  return waitForPods(
    kc,
    namespace,
    statefulSetPodSelector(pod),
    (pods) => pods.find((p) => isCrashLooping(p))?.metadata?.uid,
    `Pod ${pod} in CrashLoopBackOff`,
    60_000,
  );
}

/** The claim's UID: a new claim of the same name has another. */
export async function claimUid(kc: KubeConfig, namespace: string, claim: string): Promise<string | undefined> {
  const read = await kc.makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({ namespace, name: claim });
  return read.metadata?.uid;
}

/** Each named Pod's UID and its etcd container's restart count: what must not change for a healthy member. */
export async function podIdentities(
  kc: KubeConfig,
  namespace: string,
  pods: string[],
): Promise<Record<string, { uid: string; restarts: number }>> {
  const core = kc.makeApiClient(CoreV1Api);
  const identities: Record<string, { uid: string; restarts: number }> = {};
  for (const name of pods) {
    const pod = await core.readNamespacedPod({ namespace, name });
    identities[name] = {
      uid: pod.metadata?.uid ?? "",
      restarts: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
    };
  }
  return identities;
}

/** The StatefulSet as stored. */
export function readStatefulSet(kc: KubeConfig, namespace: string, name: string): Promise<V1StatefulSet> {
  return kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ namespace, name });
}

/** The names of the StatefulSet's `etcd.responder.io/` annotations: what a recovery left marked on it. */
export function responderMarks(set: V1StatefulSet): string[] {
  return Object.keys(set.metadata?.annotations ?? {}).filter((key) => key.startsWith("etcd.responder.io/"));
}

/**
 * Loses a StatefulSet member's data in place, as a volume restored empty under the same claim would: empties the
 * folder of the volume the claim is bound to, then deletes the Pod so the StatefulSet makes it again on that claim.
 * Resolves with the new Pod's UID once it crash-loops.
 */
export async function emptyClaimInPlace(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  claim: string,
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const bound = await core.readNamespacedPersistentVolumeClaim({ namespace, name: claim });
  const volumeName = bound.spec?.volumeName;
  if (!volumeName) throw new Error(`claim ${claim} is not bound to a volume`);
  const folder = (await core.readPersistentVolume({ name: volumeName })).spec?.hostPath?.path;
  if (!folder) throw new Error(`volume ${volumeName} of claim ${claim} has no host folder`);
  const old = await core.readNamespacedPod({ namespace, name: pod });
  for (const entry of await readdir(folder)) await rm(join(folder, entry), { recursive: true, force: true });
  await core.deleteNamespacedPod({ namespace, name: pod });
  return waitForPods(
    kc,
    namespace,
    statefulSetPodSelector(pod),
    (pods) => pods.find((p) => p.metadata?.uid !== old.metadata?.uid && isCrashLooping(p))?.metadata?.uid,
    `Pod ${pod} made again on its emptied claim to crash-loop`,
    60_000,
  );
}

/**
 * Removes the member of StatefulSet Pod `pod` from the cluster while its data stays, as `etcdctl member remove`
 * would: its Pod then crash-loops, its data dir saying it was "permanently removed". Resolves once it does.
 */
export async function removeMemberKeepingData(
  kc: KubeConfig,
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  pod: string,
): Promise<void> {
  const member = cluster.members.find((m) => m.workload === "statefulset" && m.pod === pod);
  if (!member) throw new Error(`cluster ${cluster.name} has no StatefulSet member with Pod ${pod}`);
  await removeMemberByHand(info, cluster, member.peerURL);
  await waitForCrashLoop(kc, cluster.namespace, pod);
}

/**
 * Makes Pod `pod` crash for a reason other than lost data, as a bad setting reaching one member would: switches
 * StatefulSet `name` to OnDelete, gives its template a value etcd rejects (`ETCD_HEARTBEAT_INTERVAL=often`) and
 * deletes the Pod, so that it alone is made again from the bad template. Resolves once it crash-loops, with what
 * puts it right by hand: the good StatefulSet back, and the Pod made again from it.
 */
export async function crashWithBadSetting(
  kc: KubeConfig,
  namespace: string,
  name: string,
  pod: string,
): Promise<() => Promise<void>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const good = await apps.readNamespacedStatefulSet({ namespace, name });
  const bad = structuredClone(good);
  bad.spec!.updateStrategy = { type: "OnDelete" };
  bad.spec!.template.spec!.containers[0]!.env!.push({ name: "ETCD_HEARTBEAT_INTERVAL", value: "often" });
  await apps.replaceNamespacedStatefulSet({ namespace, name, body: bad });
  await core.deleteNamespacedPod({ namespace, name: pod });
  await waitForCrashLoop(kc, namespace, pod);
  return async () => {
    const current = await apps.readNamespacedStatefulSet({ namespace, name });
    await apps.replaceNamespacedStatefulSet({ namespace, name, body: { ...current, spec: good.spec } });
    await core.deleteNamespacedPod({ namespace, name: pod });
  };
}

/**
 * Sets `ETCD_INITIAL_CLUSTER_STATE=existing` on StatefulSet `name` (`kubectl set env`), as bitnami's `helm upgrade`
 * does, and resolves once the rollout restarted every member (`kubectl rollout status`, 90 s at most). Members with
 * data ignore the setting; one restarted on an empty data dir then panics (tocommit out of range).
 */
export async function setInitialClusterStateExisting(kubeconfig: string, namespace: string, name: string) {
  const set = await kubectl(
    kubeconfig,
    "set",
    "env",
    "-n",
    namespace,
    `statefulset/${name}`,
    "ETCD_INITIAL_CLUSTER_STATE=existing",
  );
  if (set.code !== 0) throw new Error(`kubectl set env exited with ${set.code}: ${set.stderr}`);
  const args = ["rollout", "status", "-n", namespace, `statefulset/${name}`, "--timeout=90s"];
  const rollout = await kubectlWithin(95_000, kubeconfig, ...args);
  if (rollout.code !== 0) {
    throw new Error(
      `the rollout of StatefulSet ${name} did not finish within 90 s: ${rollout.stderr}${rollout.stdout}`,
    );
  }
}
