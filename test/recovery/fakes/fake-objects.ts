import type { V1Deployment, V1Pod } from "@kubernetes/client-node";

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

/** Whether `labels` satisfy a `k=v,k2=v2` selector (all the fakes need). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    return key !== undefined && labels?.[key] === value;
  });
}
