import { AppsV1Api, CoreV1Api, KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";

/** Kubeconfig of a sandbox. */
export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Lists the Pods matching `labelSelector`, then watches them until `check(pods)` returns a value.
 * Rejects after `timeoutMs` naming `what` and the Pods last seen.
 */
export async function waitForPods<T>(
  kc: KubeConfig,
  namespace: string,
  labelSelector: string,
  check: (pods: V1Pod[]) => T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  const pods = new Map(list.items.map((p) => [p.metadata!.name!, p]));
  let abort: AbortController | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      const evaluate = () => {
        try {
          const value = check([...pods.values()]);
          if (value !== undefined) resolve(value);
        } catch (error) {
          reject(error);
        }
      };
      const timer = setTimeout(() => {
        const seen = [...pods.values()].map((p) => `${p.metadata?.name} ${podState(p)}`).join("; ");
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; pods: ${seen || "none"}`));
      }, timeoutMs);
      timer.unref();
      evaluate();
      void new Watch(kc)
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          { labelSelector, resourceVersion: list.metadata!.resourceVersion! },
          (type, pod: V1Pod) => {
            if (type === "DELETED") pods.delete(pod.metadata!.name!);
            else if (type === "ADDED" || type === "MODIFIED") pods.set(pod.metadata!.name!, pod);
            evaluate();
          },
          () => undefined,
        )
        .then((controller) => (abort = controller), reject);
    });
  } finally {
    abort?.abort();
  }
}

/** `Running/Ready`, `CrashLoopBackOff`, `Terminating`, ... as one word for messages. */
export function podState(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return "Terminating";
  const container = pod.status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting?.reason;
  if (waiting) return waiting;
  const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  return `${pod.status?.phase ?? "Unknown"}${ready ? "/Ready" : ""}`;
}

export function isCrashLooping(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff"
  );
}

export function isReady(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    Boolean(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
  );
}

/** The label selector of member `index` of a cluster made by the example-cluster generator. */
export function memberSelector(cluster: string, index: number): string {
  return `etcd.responder.io/cluster=${cluster},etcd.responder.io/member=${index}`;
}

/**
 * The seed's failure: deletes the member's Pod; its Deployment makes a new one with an empty data dir,
 * which crash-loops. Resolves with the new Pod's name once it shows CrashLoopBackOff.
 *
 * A member recovered before runs with `--initial-cluster-state existing`; started empty it usually
 * panics (`tocommit(N) is out of range`), but etcd sometimes lets it catch up instead. Then the member is
 * taken down the other way: its Deployment scaled to 0 (Pod gone), and this resolves with undefined.
 */
export async function breakMember(
  kc: KubeConfig,
  namespace: string,
  cluster: string,
  index: number,
): Promise<string | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  const selector = memberSelector(cluster, index);
  const before = await core.listNamespacedPod({ namespace, labelSelector: selector });
  for (const pod of before.items) await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace });
  const old = new Set(before.items.map((p) => p.metadata!.name!));
  const outcome = await waitForPods(
    kc,
    namespace,
    selector,
    (pods) => {
      const fresh = pods.find((p) => !old.has(p.metadata!.name!));
      if (fresh && isCrashLooping(fresh)) return { crashLooping: fresh.metadata!.name! };
      if (fresh && isReady(fresh)) return { rejoined: fresh.metadata!.name! };
      return undefined;
    },
    `a new Pod of ${cluster} member ${index} in CrashLoopBackOff`,
  );
  if ("crashLooping" in outcome) return outcome.crashLooping;
  await takeMemberDown(kc, namespace, cluster, index);
  return undefined;
}

/** Scales the member's Deployment to 0 and resolves once its Pod is gone: the member is down, its Pod absent. */
export async function takeMemberDown(kc: KubeConfig, namespace: string, cluster: string, index: number): Promise<void> {
  const name = `${cluster}-${index}`;
  await kc.makeApiClient(AppsV1Api).replaceNamespacedDeploymentScale({
    name,
    namespace,
    body: { metadata: { name, namespace }, spec: { replicas: 0 } },
  });
  await waitForPods(
    kc,
    namespace,
    memberSelector(cluster, index),
    (pods) => (pods.length === 0 ? true : undefined),
    `${name}'s Pod gone`,
  );
}

/**
 * SIGKILLs the running container of `pod` (its first), as a crash or the OOM killer would: the sandbox's kubelet
 * restarts it in the same Pod, on the same volumes. Resolves with the pid killed. The sandbox names a running
 * container `sandbox://PID`, PID leading the container's process group.
 */
export async function killContainer(kc: KubeConfig, namespace: string, pod: string): Promise<number> {
  const read = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name: pod });
  const status = read.status?.containerStatuses?.[0];
  const pid = Number(/^sandbox:\/\/(\d+)$/.exec(status?.state?.running ? (status.containerID ?? "") : "")?.[1]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`Pod ${pod} has no running container to kill`);
  process.kill(-pid, "SIGKILL");
  return pid;
}
