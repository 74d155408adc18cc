import type { ObjectStore } from "../api/object-store.js";
import type { ContainerStatus, Deployment, Pod } from "../controllers/workload-types.js";
import { renderFamilies, type MetricFamily, type Sample } from "./exposition-format.js";

/** Pod phases in the order kube-state-metrics lists them. */
const PHASES = ["Pending", "Succeeded", "Failed", "Unknown", "Running"] as const;
/** The values of a condition's status, as label values. */
const CONDITION_VALUES = [
  ["true", "True"],
  ["false", "False"],
  ["unknown", "Unknown"],
] as const;

/**
 * The kube-state-metrics (v2 names and labels) view of the store's pods and Deployments, in the
 * Prometheus text format 0.0.4, so alerts written for a real cluster fire on the sandbox.
 */
export function renderKubeStateMetrics(store: ObjectStore): string {
  const pods = store.list("pods") as Pod[];
  const deployments = store.list("deployments.apps") as Deployment[];
  return renderFamilies([...podFamilies(pods), ...deploymentFamilies(deployments)]);
}

/** Pod families, in the order they are written. */
const POD_FAMILIES = {
  kube_pod_info: ["gauge", "Facts about a pod: addresses, node, creator and priority class."],
  kube_pod_owner: ["gauge", "The objects that own a pod."],
  kube_pod_status_phase: ["gauge", "The phase a pod is in: 1 for the current phase, 0 for the others."],
  kube_pod_status_ready: ["gauge", "Whether a pod is ready to serve, by the status of its Ready condition."],
  kube_pod_container_info: ["gauge", "Facts about a container of a pod: image and container id."],
  kube_pod_container_status_waiting: ["gauge", "Whether a container is waiting to run."],
  kube_pod_container_status_waiting_reason: ["gauge", "Why a container is waiting, one series per waiting container."],
  kube_pod_container_status_running: ["gauge", "Whether a container is running."],
  kube_pod_container_status_terminated: ["gauge", "Whether a container has terminated."],
  kube_pod_container_status_terminated_reason: [
    "gauge",
    "Why a container terminated, for containers that are terminated now.",
  ],
  kube_pod_container_status_last_terminated_reason: ["gauge", "Why a container terminated the last time it did."],
  kube_pod_container_status_last_terminated_exitcode: ["gauge", "The exit code of a container's last termination."],
  kube_pod_container_status_ready: ["gauge", "Whether a container's readiness check passes."],
  kube_pod_container_status_restarts_total: ["counter", "How many times a container has been restarted."],
} as const satisfies Record<string, readonly [MetricFamily["type"], string]>;

type PodSamples = Record<keyof typeof POD_FAMILIES, Sample[]>;

function podFamilies(pods: Pod[]): MetricFamily[] {
  const { samples: f, all } = families(POD_FAMILIES);
  for (const pod of pods) {
    const id = { namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name, uid: pod.metadata.uid ?? "" };
    const creator = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
    f.kube_pod_info.push({
      labels: {
        ...id,
        host_ip: pod.status?.hostIP ?? "",
        pod_ip: pod.status?.podIP ?? "",
        node: pod.spec?.nodeName ?? "",
        created_by_kind: creator?.kind ?? "",
        created_by_name: creator?.name ?? "",
        priority_class: pod.spec?.priorityClassName ?? "",
        host_network: String(pod.spec?.hostNetwork ?? false),
      },
      value: 1,
    });

    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length === 0) {
      f.kube_pod_owner.push({
        labels: { ...id, owner_kind: "<none>", owner_name: "<none>", owner_is_controller: "<none>" },
        value: 1,
      });
    }
    for (const ref of owners) {
      f.kube_pod_owner.push({
        labels: {
          ...id,
          owner_kind: ref.kind,
          owner_name: ref.name,
          owner_is_controller: String(ref.controller ?? false),
        },
        value: 1,
      });
    }

    const phase = pod.status?.phase;
    if (phase) {
      for (const p of PHASES) f.kube_pod_status_phase.push({ labels: { ...id, phase: p }, value: Number(p === phase) });
    }
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
    if (ready) {
      for (const [label, status] of CONDITION_VALUES) {
        f.kube_pod_status_ready.push({ labels: { ...id, condition: label }, value: Number(ready.status === status) });
      }
    }

    const images = new Map((pod.spec?.containers ?? []).map((c) => [c.name, c.image ?? ""]));
    for (const status of pod.status?.containerStatuses ?? []) {
      containerSamples(f, { ...id, container: status.name }, status, images.get(status.name) ?? "");
    }
  }
  return all;
}

function containerSamples(f: PodSamples, id: Record<string, string>, status: ContainerStatus, imageSpec: string): void {
  const state = status.state ?? {};
  f.kube_pod_container_info.push({
    labels: {
      ...id,
      image_spec: imageSpec,
      image: status.image ?? "",
      image_id: status.imageID ?? "",
      container_id: status.containerID ?? "",
    },
    value: 1,
  });
  f.kube_pod_container_status_waiting.push({ labels: id, value: Number(Boolean(state.waiting)) });
  if (state.waiting?.reason) {
    f.kube_pod_container_status_waiting_reason.push({ labels: { ...id, reason: state.waiting.reason }, value: 1 });
  }
  f.kube_pod_container_status_running.push({ labels: id, value: Number(Boolean(state.running)) });
  f.kube_pod_container_status_terminated.push({ labels: id, value: Number(Boolean(state.terminated)) });
  if (state.terminated?.reason) {
    f.kube_pod_container_status_terminated_reason.push({
      labels: { ...id, reason: state.terminated.reason },
      value: 1,
    });
  }
  const last = status.lastState?.terminated;
  if (last?.reason) {
    f.kube_pod_container_status_last_terminated_reason.push({ labels: { ...id, reason: last.reason }, value: 1 });
  }
  if (last?.exitCode !== undefined) {
    f.kube_pod_container_status_last_terminated_exitcode.push({ labels: id, value: last.exitCode });
  }
  f.kube_pod_container_status_ready.push({ labels: id, value: Number(status.ready ?? false) });
  f.kube_pod_container_status_restarts_total.push({ labels: id, value: status.restartCount ?? 0 });
}

function deploymentFamilies(deployments: Deployment[]): MetricFamily[] {
  const { samples: f, all } = families({
    kube_deployment_spec_replicas: ["gauge", "How many pods a deployment asks for."],
    kube_deployment_status_replicas: ["gauge", "How many pods a deployment has."],
    kube_deployment_status_replicas_ready: ["gauge", "How many of a deployment's pods are ready."],
    kube_deployment_status_replicas_available: ["gauge", "How many of a deployment's pods are available."],
    kube_deployment_status_replicas_unavailable: ["gauge", "How many of a deployment's pods are unavailable."],
    kube_deployment_status_replicas_updated: ["gauge", "How many of a deployment's pods run its current template."],
    kube_deployment_status_observed_generation: [
      "gauge",
      "The generation of a deployment its controller has acted on.",
    ],
    kube_deployment_metadata_generation: ["gauge", "The generation of a deployment's desired state."],
    kube_deployment_status_condition: ["gauge", "The status of each condition of a deployment."],
  });
  for (const d of deployments) {
    const id = { namespace: d.metadata.namespace ?? "", deployment: d.metadata.name };
    const status = d.status ?? {};
    f.kube_deployment_spec_replicas.push({ labels: id, value: d.spec?.replicas ?? 1 });
    f.kube_deployment_status_replicas.push({ labels: id, value: status.replicas ?? 0 });
    f.kube_deployment_status_replicas_ready.push({ labels: id, value: status.readyReplicas ?? 0 });
    f.kube_deployment_status_replicas_available.push({ labels: id, value: status.availableReplicas ?? 0 });
    f.kube_deployment_status_replicas_unavailable.push({ labels: id, value: status.unavailableReplicas ?? 0 });
    f.kube_deployment_status_replicas_updated.push({ labels: id, value: status.updatedReplicas ?? 0 });
    f.kube_deployment_status_observed_generation.push({ labels: id, value: status.observedGeneration ?? 0 });
    f.kube_deployment_metadata_generation.push({ labels: id, value: d.metadata.generation ?? 0 });
    for (const condition of status.conditions ?? []) {
      for (const [label, value] of CONDITION_VALUES) {
        f.kube_deployment_status_condition.push({
          labels: { ...id, condition: condition.type, status: label },
          value: Number(condition.status === value),
        });
      }
    }
  }
  return all;
}

/** Empty families in declared order, and their sample lists by name to push to. */
function families<Names extends string>(
  declared: Record<Names, readonly [MetricFamily["type"], string]>,
): { samples: Record<Names, Sample[]>; all: MetricFamily[] } {
  const all: MetricFamily[] = [];
  const samples = {} as Record<Names, Sample[]>;
  for (const [name, [type, help]] of Object.entries(declared) as [Names, readonly [MetricFamily["type"], string]][]) {
    const family: MetricFamily = { name, help, type, samples: [] };
    all.push(family);
    samples[name] = family.samples;
  }
  return { samples, all };
}
