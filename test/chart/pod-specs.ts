import { at, type KubeObject } from "./helm-chart.js";

/** The parts of a container the checks read. */
export interface ContainerLike {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
}

/** The parts of a Pod spec the checks read. */
export interface PodSpecLike {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}

/** A Pod spec found in a rendered object. */
export interface RenderedPodSpec {
  /** `Kind/name` of the object that holds it. */
  owner: string;
  object: KubeObject;
  spec: PodSpecLike;
  /** Its Pods' `app.kubernetes.io/component` label. */
  component: string | undefined;
  /** A Knative Service's template, where the container carries what is elsewhere in the Pod's security context. */
  knative: boolean;
}

/** Every Pod spec of the rendered objects: Deployments, StatefulSets, Pods and Knative Services. */
export function podSpecs(objects: KubeObject[]): RenderedPodSpec[] {
  const found: RenderedPodSpec[] = [];
  for (const object of objects) {
    const owner = `${object.kind}/${object.metadata.name}`;
    const knative = object.apiVersion === "serving.knative.dev/v1";
    let template: unknown;
    if (object.kind === "Pod") template = { metadata: object.metadata, spec: object.spec };
    else if (["Deployment", "StatefulSet"].includes(object.kind) || knative) template = at(object, "spec", "template");
    else continue;
    const labels = at(template, "metadata", "labels") as Record<string, string> | undefined;
    found.push({ owner, object, spec: at(template, "spec") as PodSpecLike, component: labels?.["app.kubernetes.io/component"], knative });
  }
  return found;
}

/** Pod specs of the responder itself (receiver, worker or all), not of Redis or the test Pod. */
export function responderPodSpecs(objects: KubeObject[]): RenderedPodSpec[] {
  return podSpecs(objects).filter((p) => ["receiver", "worker", "all"].includes(p.component ?? ""));
}

/** A security setting from the container, else from the Pod (the container's wins, as in Kubernetes). */
export function effectiveSecurity(pod: PodSpecLike, container: ContainerLike, field: string): unknown {
  return container.securityContext?.[field] ?? pod.securityContext?.[field];
}

/** The value of an environment variable given as a literal; undefined when absent or taken from elsewhere. */
export function envValue(container: ContainerLike, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}
