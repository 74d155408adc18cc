import type { KubeObject } from "../api/object-store.js";

/** The parts of a `v1.Pod` spec the kubelet acts on; other fields are carried but ignored. */
export interface PodSpec {
  containers: ContainerSpec[];
  /** Run one after the other, each to success, before the app containers start. */
  initContainers: ContainerSpec[];
  volumes?: VolumeSpec[];
  /** `Always` (default), `OnFailure` or `Never`. */
  restartPolicy?: RestartPolicy;
  nodeName?: string;
  serviceAccountName?: string;
  /** Seconds between SIGTERM and SIGKILL when the kubelet itself stops a container (liveness). Default 30. */
  terminationGracePeriodSeconds?: number;
  [field: string]: unknown;
}

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  [field: string]: unknown;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

interface EnvVarSource {
  fieldRef?: { fieldPath: string; apiVersion?: string };
  secretKeyRef?: KeySelector;
  configMapKeyRef?: KeySelector;
  resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
}

export interface KeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface VolumeSpec {
  name: string;
  emptyDir?: Record<string, unknown>;
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

export interface Probe {
  httpGet?: HttpGetAction;
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface HttpGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: "HTTP" | "HTTPS";
  httpHeaders?: { name: string; value: string }[];
}

/** The spec of a Pod object, with `containers` and `initContainers` always present. */
export function podSpecOf(pod: KubeObject): PodSpec {
  const spec = (pod.spec ?? {}) as Partial<PodSpec>;
  return {
    ...spec,
    containers: Array.isArray(spec.containers) ? spec.containers : [],
    initContainers: Array.isArray(spec.initContainers) ? spec.initContainers : [],
  };
}

/** `<pod>_<namespace>(<uid>)`, the way the kubelet names a Pod in its messages. */
export function podFullName(pod: KubeObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? "default"}(${pod.metadata.uid ?? ""})`;
}
