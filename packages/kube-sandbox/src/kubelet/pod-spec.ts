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
  /** Read only by the downward API's `resourceFieldRef`: no limit is enforced. */
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
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
  fieldRef?: ObjectFieldSelector;
  secretKeyRef?: KeySelector;
  configMapKeyRef?: KeySelector;
  resourceFieldRef?: ResourceFieldSelector;
}

/** A container's resource, e.g. `limits.memory`, for the downward API. */
export interface ResourceFieldSelector {
  resource: string;
  /** Required in volumes; an env var's own container when missing. */
  containerName?: string;
  /** Default 1 (for CPU, one core); the value is divided by it and rounded up. */
  divisor?: string | number;
}

/** A Pod field, e.g. `metadata.labels['app']`, for the downward API. */
interface ObjectFieldSelector {
  fieldPath: string;
  apiVersion?: string;
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

/** One file of a `downwardAPI` volume or projection: a Pod field or a container resource. */
export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

/** A Secret or ConfigMap as a source of a projected volume. */
export interface KeyedProjection {
  name: string;
  items?: KeyToPath[];
  optional?: boolean;
}

/** One source of a `projected` volume; other kinds (e.g. `clusterTrustBundle`) are not emulated. */
export interface VolumeProjection {
  secret?: KeyedProjection;
  configMap?: KeyedProjection;
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
  [source: string]: unknown;
}

export interface VolumeSpec {
  name: string;
  emptyDir?: Record<string, unknown>;
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[]; defaultMode?: number };
  projected?: { sources?: VolumeProjection[]; defaultMode?: number };
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
