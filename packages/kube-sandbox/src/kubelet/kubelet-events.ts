import type { EventNote, EventRecorder } from "../events/event-recorder.js";

/** Where the kubelet's Events go: its own, and the `Scheduled` one the scheduler writes in Kubernetes. */
export interface KubeletEvents {
  /** Reports as `kubelet` on the node: a container's start, end, probes and back-off. */
  kubelet: EventRecorder;
  /** Reports as `default-scheduler`: `Scheduled` when the node takes a Pod no one had assigned. */
  scheduler: EventRecorder;
}

/** An Event about one container; the Pod worker adds the container's `fieldPath`. */
export type ContainerEventNote = Omit<EventNote, "fieldPath">;

/** The kind of probe, as the kubelet names it in its messages. */
export type ProbeKind = "Liveness" | "Readiness" | "Startup";

/** `spec.containers{NAME}` or `spec.initContainers{NAME}`: the part of the Pod an Event is about. */
export function containerFieldPath(name: string, init: boolean): string {
  return `${init ? "spec.initContainers" : "spec.containers"}{${name}}`;
}

/** `Scheduled`: the Pod was bound to the node. */
export function scheduledNote(namespace: string, pod: string, node: string): EventNote {
  return { type: "Normal", reason: "Scheduled", message: `Successfully assigned ${namespace}/${pod} to ${node}` };
}

/** `FailedCreatePodSandBox`: the Pod got no network namespace or file system of its own. */
export function sandboxFailedNote(message: string): EventNote {
  return { type: "Warning", reason: "FailedCreatePodSandBox", message: `Failed to create pod sandbox: ${message}` };
}

/** `Pulled`: the sandbox pulls nothing, so every image is already there. */
export function pulledNote(image: string): ContainerEventNote {
  return {
    type: "Normal",
    reason: "Pulled",
    message: `Container image ${JSON.stringify(image)} already present on machine`,
  };
}

/** `Failed`: the image could not be pulled; `message` says which and why ("Failed to pull image ..."). */
export function pullFailedNote(message: string): ContainerEventNote {
  return { type: "Warning", reason: "Failed", message };
}

/** `BackOff`: a failed pull waits before it is tried again. */
export function pullBackOffNote(message: string): ContainerEventNote {
  return { type: "Normal", reason: "BackOff", message };
}

/** `Created`: the container of a new run exists. */
export function createdNote(container: string): ContainerEventNote {
  return { type: "Normal", reason: "Created", message: `Created container: ${container}` };
}

/** `Started`: its process runs. */
export function startedNote(container: string): ContainerEventNote {
  return { type: "Normal", reason: "Started", message: `Started container ${container}` };
}

/** `Failed`: the container could not be configured or started. */
export function failedNote(message: string): ContainerEventNote {
  return { type: "Warning", reason: "Failed", message: `Error: ${message}` };
}

/** `BackOff`: a crashed container waits before its next start. */
export function backOffNote(container: string, podFullName: string): ContainerEventNote {
  return {
    type: "Warning",
    reason: "BackOff",
    message: `Back-off restarting failed container ${container} in pod ${podFullName}`,
  };
}

/** `Unhealthy`: one attempt of a probe failed, with what it found. */
export function unhealthyNote(kind: ProbeKind, output: string): ContainerEventNote {
  return { type: "Warning", reason: "Unhealthy", message: `${kind} probe failed: ${output}` };
}

/** `Killing` because a liveness or startup probe reached its failure threshold. */
export function probeKillingNote(container: string, kind: ProbeKind, restarts: boolean): ContainerEventNote {
  const message = `Container ${container} failed ${kind.toLowerCase()} probe${restarts ? ", will be restarted" : ""}`;
  return { type: "Normal", reason: "Killing", message };
}

/** `Killing` because the Pod is being deleted. */
export function stoppingNote(container: string): ContainerEventNote {
  return { type: "Normal", reason: "Killing", message: `Stopping container ${container}` };
}
