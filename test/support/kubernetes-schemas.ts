import * as clientNode from "@kubernetes/client-node";
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { AlertmanagerConfig } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import type { KubeObject } from "./helm-chart.js";

// The generated serializer is not re-exported; its round trip drops every field the Kubernetes API does not define.

/** A kubernetes-models class: built from plain data, `validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

/** Every kind the chart renders, by `apiVersion/kind`, with the model that holds its schema. */
export const MODELS: Record<string, ModelClass> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Namespace": Namespace,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Pod": Pod,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
  "monitoring.coreos.com/v1alpha1/AlertmanagerConfig": AlertmanagerConfig,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "serving.knative.dev/v1/Service": KnativeService,
};

/** API groups whose types client-node knows, so that unknown fields can be found. */
const BUILT_IN_GROUPS = new Set(["v1", "apps/v1", "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1"]);

/**
 * What is wrong with a rendered object against the Kubernetes schemas: the model's schema violations, and for
 * built-in kinds also every field Kubernetes does not define (the models' schemas allow unknown fields,
 * which the API server would silently drop). Empty when the object is fine.
 */
export function schemaProblems(object: KubeObject): string[] {
  const where = `${object.apiVersion} ${object.kind} ${object.metadata?.name}`;
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return [`${where}: no schema known for this kind`];
  const problems: string[] = [];
  try {
    new Model(object as never).validate();
  } catch (error) {
    problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (BUILT_IN_GROUPS.has(object.apiVersion)) {
    for (const field of unknownFields(object)) problems.push(`${where}: unknown field ${field}`);
  }
  return problems;
}

/**
 * Fields of a built-in object that client-node's typed model does not carry, as paths like
 * `spec.template.spec.foo`.
 */
export function unknownFields(object: KubeObject): string[] {
  const type = `V1${object.kind}`;
  if (!(type in clientNode)) throw new Error(`client-node has no type ${type}`);
  const typed: unknown = ObjectSerializer.deserialize(object, type, "");
  const back: unknown = ObjectSerializer.serialize(typed, type, "");
  const missing: string[] = [];
  collectMissing(object, back, "", missing);
  return missing;
}

function collectMissing(original: unknown, roundTripped: unknown, path: string, missing: string[]): void {
  if (Array.isArray(original)) {
    original.forEach((item, index) =>
      collectMissing(item, Array.isArray(roundTripped) ? roundTripped[index] : undefined, `${path}[${index}]`, missing),
    );
    return;
  }
  if (original === null || typeof original !== "object") return;
  const other =
    roundTripped !== null && typeof roundTripped === "object" ? (roundTripped as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(original)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!(key in other)) missing.push(keyPath);
    else collectMissing(value, other[key], keyPath, missing);
  }
}
