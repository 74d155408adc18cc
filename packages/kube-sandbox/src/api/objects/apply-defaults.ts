import type { KubeObject } from "../object-store.js";
import { resourceKey, type ResourceType } from "../resource-catalog.js";

type Json = Record<string, unknown>;

/**
 * Fills in the fields the Kubernetes API server defaults, so that clients and controllers read the
 * same object they would from a real cluster. Changes `obj` in place.
 */
export function applyDefaults(type: ResourceType, obj: KubeObject): void {
  switch (resourceKey(type)) {
    case "pods":
      defaultPodSpec(object(obj, "spec"));
      if (!isObject(obj.status)) obj.status = { phase: "Pending" };
      break;
    case "deployments.apps": {
      const spec = object(obj, "spec");
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
      defaultTemplate(spec);
      break;
    }
    case "replicasets.apps":
      object(obj, "spec").replicas ??= 1;
      defaultTemplate(object(obj, "spec"));
      break;
    case "statefulsets.apps": {
      const spec = object(obj, "spec");
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= "OrderedReady";
      spec.revisionHistoryLimit ??= 10;
      defaultUpdateStrategy(object(spec, "updateStrategy"));
      const retention = object(spec, "persistentVolumeClaimRetentionPolicy");
      retention.whenDeleted ??= "Retain";
      retention.whenScaled ??= "Retain";
      defaultTemplate(spec);
      break;
    }
    case "services":
      defaultService(object(obj, "spec"));
      break;
    case "namespaces":
      // Kubernetes labels every namespace with its own name, so selectors can pick namespaces.
      if (obj.metadata.name)
        obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name };
      if (!isObject(obj.status)) obj.status = { phase: "Active" };
      // The finalizer that keeps a deleted namespace until everything in it is gone.
      object(obj, "spec").finalizers ??= ["kubernetes"];
      break;
    case "secrets":
      defaultSecret(obj);
      break;
  }
}

/** A StatefulSet's `updateStrategy`: RollingUpdate, whose partition is 0. */
function defaultUpdateStrategy(strategy: Json): void {
  strategy.type ??= "RollingUpdate";
  if (strategy.type === "RollingUpdate") object(strategy, "rollingUpdate").partition ??= 0;
}

function defaultTemplate(spec: Json): void {
  const template = spec.template;
  if (isObject(template)) defaultPodSpec(object(template, "spec"));
}

function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      if (!isObject(container)) continue;
      container.terminationMessagePath ??= "/dev/termination-log";
      container.terminationMessagePolicy ??= "File";
      if (typeof container.image === "string") container.imagePullPolicy ??= pullPolicyFor(container.image);
      if (Array.isArray(container.ports)) {
        for (const port of container.ports) if (isObject(port)) port.protocol ??= "TCP";
      }
    }
  }
}

/** `Always` for `:latest` or untagged images, else `IfNotPresent`, as Kubernetes defaults it. */
function pullPolicyFor(image: string): string {
  if (image.includes("@")) return "IfNotPresent";
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":") + 1) : "latest";
  return tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultService(spec: Json): void {
  spec.type ??= "ClusterIP";
  spec.sessionAffinity ??= "None";
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isObject(port)) continue;
      port.protocol ??= "TCP";
      port.targetPort ??= port.port;
    }
  }
}

/** `stringData` is a write-only convenience: it lands base64-encoded in `data`. */
function defaultSecret(secret: KubeObject): void {
  secret.type ??= "Opaque";
  if (isObject(secret.stringData)) {
    const data = isObject(secret.data) ? secret.data : {};
    for (const [key, value] of Object.entries(secret.stringData)) {
      data[key] = Buffer.from(String(value)).toString("base64");
    }
    secret.data = data;
  }
  delete secret.stringData;
}

/** A nested object, created when missing. */
function object(parent: Json, key: string): Json {
  const value = parent[key];
  if (isObject(value)) return value;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
