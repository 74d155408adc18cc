import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { memberLabels, memberSelectorLabels } from "../../src/core/labels.js";

/** A member Pod as the kubelet reports it: Ready, or its etcd container waiting in `waiting`. */
export function memberPod(
  name: string,
  labels: Record<string, string>,
  state: { waiting?: string; deleting?: boolean; sidecarWaiting?: string } = {},
): V1Pod {
  const etcdState = state.waiting ? { waiting: { reason: state.waiting } } : { running: { startedAt: new Date() } };
  return {
    metadata: { name, namespace: "default", labels, ...(state.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: {
      containers: [
        { name: "etcd", image: "etcd", command: ["etcd", "--initial-cluster=$(INITIAL_CLUSTER)"] },
        { name: "metrics-proxy", image: "proxy" },
      ],
    },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: state.waiting ? "False" : "True" }],
      containerStatuses: [
        {
          name: "etcd",
          image: "etcd",
          imageID: "",
          ready: !state.waiting,
          restartCount: state.waiting ? 3 : 0,
          state: etcdState,
        },
        {
          name: "metrics-proxy",
          image: "proxy",
          imageID: "",
          ready: !state.sidecarWaiting,
          restartCount: 0,
          state: state.sidecarWaiting ? { waiting: { reason: state.sidecarWaiting } } : { running: {} },
        },
      ],
    },
  };
}

/** The generator's labels for member `index` of `cluster`. */
export function generatedLabels(cluster: string, index: number): Record<string, string> {
  return memberLabels(cluster, index);
}

/** A member Deployment selecting by the generator's labels (or by `selector` when given). */
export function memberDeployment(
  name: string,
  cluster: string,
  index: number,
  options: { replicas?: number; selector?: Record<string, string> } = {},
): V1Deployment {
  return {
    metadata: { name, namespace: "default" },
    spec: {
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      selector: { matchLabels: options.selector ?? memberSelectorLabels(cluster, index) },
      template: { metadata: { labels: options.selector ?? memberLabels(cluster, index) } },
    },
  };
}
