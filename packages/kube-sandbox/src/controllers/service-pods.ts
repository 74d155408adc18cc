import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { objectKey } from "./controller.js";
import type { Pod } from "./workload-types.js";

/** One entry of a Service's `spec.ports`. */
export interface ServicePort {
  /** Needed when the Service has more than one port. */
  name?: string;
  /** The port the Service answers on. */
  port?: number;
  /** A port number, or the name of a container port; the API server defaults it to `port`. */
  targetPort?: number | string;
  /** `TCP` (default), `UDP` or `SCTP`. */
  protocol?: string;
  /** The application protocol, passed on to the endpoints. */
  appProtocol?: string;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  publishNotReadyAddresses?: boolean;
}

/** A core/v1 Service, with the fields the endpoint controllers read. */
export type Service = KubeObject & { spec?: ServiceSpec };

/** The label of headless Services' Endpoints and EndpointSlices. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Whether the Service has a selector: otherwise its Endpoints are whatever its user writes. */
export function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}

/**
 * Whether the endpoint controllers make the Service's endpoints from its Pods: it has a selector and is
 * not an ExternalName Service.
 */
export function hasPodSelector(service: Service): boolean {
  return hasSelector(service) && service.spec?.type !== "ExternalName";
}

/** Whether a headless Service (`clusterIP: None`). */
export function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === "None";
}

/**
 * The labels a Service's Endpoints and EndpointSlices carry from it: the Service's own, with
 * `HEADLESS_LABEL` set (empty) exactly when the Service is headless, whatever the Service says.
 */
export function endpointLabels(service: Service): Record<string, string> {
  const labels = { ...service.metadata.labels };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
  return labels;
}

function selects(service: Service, labels: Record<string, string> | undefined): boolean {
  return Object.entries(service.spec?.selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/**
 * The Pods a Service's endpoints are made of: those its selector matches that have an address and have
 * not finished (Succeeded or Failed), in name order. Pods being deleted are among them.
 */
export function podsBehind(store: ObjectStore, service: Service): Pod[] {
  const behind = (obj: KubeObject) => {
    const pod = obj as Pod;
    return (
      selects(service, pod.metadata.labels) &&
      Boolean(pod.status?.podIP) &&
      pod.status?.phase !== "Succeeded" &&
      pod.status?.phase !== "Failed"
    );
  };
  return store.list("pods", service.metadata.namespace, behind);
}

/**
 * The work keys (`namespace/service`) of a store change for an endpoint controller: the Service itself,
 * or for a Pod every Service of its namespace whose selector matches it before or after the change (a
 * Pod whose labels changed leaves the old Service).
 */
export function serviceKeysFor(store: ObjectStore, event: StoreEvent): string[] {
  const { object, previous } = event;
  if (event.resource === "services") return [objectKey(object.metadata.namespace, object.metadata.name)];
  if (event.resource !== "pods") return [];
  const concerned = (obj: KubeObject) => {
    const svc = obj as Service;
    return (
      hasPodSelector(svc) &&
      (selects(svc, object.metadata.labels) || Boolean(previous && selects(svc, previous.metadata.labels)))
    );
  };
  return store
    .list("services", object.metadata.namespace, concerned)
    .map((svc) => objectKey(svc.metadata.namespace, svc.metadata.name));
}

/** Every Service's work key, for a controller starting over objects already stored. */
export function allServiceKeys(store: ObjectStore): string[] {
  return store.list("services").map((svc) => objectKey(svc.metadata.namespace, svc.metadata.name));
}

/** A Pod's host name under a Service: its `spec.hostname` when its `spec.subdomain` is the Service's name. */
export function hostnameUnder(pod: Pod, service: Service): string | undefined {
  const spec = pod.spec as { hostname?: string; subdomain?: string } | undefined;
  return spec?.hostname && spec.subdomain === service.metadata.name ? spec.hostname : undefined;
}

/** The reference from an endpoint to the Pod behind it. */
export function podReference(pod: Pod): Record<string, string> {
  return { kind: "Pod", namespace: pod.metadata.namespace ?? "", name: pod.metadata.name, uid: pod.metadata.uid ?? "" };
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

/**
 * The Pod port a Service port sends to: `targetPort` as a number, or the container port of that name and
 * the Service port's protocol; undefined when the Pod has no such port. Without `targetPort`, `port`.
 */
export function resolveTargetPort(servicePort: ServicePort, pod: Pod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return target;
  if (target === undefined) return undefined;
  const protocol = servicePort.protocol ?? "TCP";
  for (const container of pod.spec?.containers ?? []) {
    const ports = (container.ports ?? []) as ContainerPort[];
    const found = ports.find((p) => p.name === target && (p.protocol ?? "TCP") === protocol);
    if (found?.containerPort !== undefined) return found.containerPort;
  }
  return undefined;
}
