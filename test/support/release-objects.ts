import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import type { KubeObject } from "./helm-chart.js";

/** The kinds of object a release of the chart creates in the sandbox, and the Leases the responder takes. */
export type ReleaseKind =
  | "ConfigMap"
  | "Secret"
  | "Service"
  | "ServiceAccount"
  | "PersistentVolumeClaim"
  | "Deployment"
  | "StatefulSet"
  | "Role"
  | "RoleBinding"
  | "ClusterRole"
  | "ClusterRoleBinding"
  | "Lease";

type Lister = (kc: KubeConfig, namespace: string, labelSelector?: string) => Promise<{ metadata?: V1ObjectMeta }[]>;

const core = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);
const apps = (kc: KubeConfig) => kc.makeApiClient(AppsV1Api);
const rbac = (kc: KubeConfig) => kc.makeApiClient(RbacAuthorizationV1Api);

/** How each kind is listed: in `namespace`, or cluster-wide for the cluster-scoped ones. */
const LISTERS: Record<ReleaseKind, Lister> = {
  ConfigMap: async (kc, namespace, labelSelector) =>
    (await core(kc).listNamespacedConfigMap({ namespace, labelSelector })).items,
  Secret: async (kc, namespace, labelSelector) =>
    (await core(kc).listNamespacedSecret({ namespace, labelSelector })).items,
  Service: async (kc, namespace, labelSelector) =>
    (await core(kc).listNamespacedService({ namespace, labelSelector })).items,
  ServiceAccount: async (kc, namespace, labelSelector) =>
    (await core(kc).listNamespacedServiceAccount({ namespace, labelSelector })).items,
  PersistentVolumeClaim: async (kc, namespace, labelSelector) =>
    (await core(kc).listNamespacedPersistentVolumeClaim({ namespace, labelSelector })).items,
  Deployment: async (kc, namespace, labelSelector) =>
    (await apps(kc).listNamespacedDeployment({ namespace, labelSelector })).items,
  StatefulSet: async (kc, namespace, labelSelector) =>
    (await apps(kc).listNamespacedStatefulSet({ namespace, labelSelector })).items,
  Role: async (kc, namespace, labelSelector) => (await rbac(kc).listNamespacedRole({ namespace, labelSelector })).items,
  RoleBinding: async (kc, namespace, labelSelector) =>
    (await rbac(kc).listNamespacedRoleBinding({ namespace, labelSelector })).items,
  ClusterRole: async (kc, _namespace, labelSelector) => (await rbac(kc).listClusterRole({ labelSelector })).items,
  ClusterRoleBinding: async (kc, _namespace, labelSelector) =>
    (await rbac(kc).listClusterRoleBinding({ labelSelector })).items,
  Lease: async (kc, namespace, labelSelector) =>
    (await kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace, labelSelector })).items,
};

/** Every kind `releaseObjects` lists. */
export const RELEASE_KINDS = Object.keys(LISTERS) as ReleaseKind[];

/**
 * How the checks name an object: `Kind/name`, followed by its `app.kubernetes.io/component` label in brackets
 * when it has one (the chart gives the same name to objects of different components in different modes).
 */
export function objectKey(kind: string, metadata: Pick<V1ObjectMeta, "name" | "labels"> | undefined): string {
  const component = metadata?.labels?.["app.kubernetes.io/component"];
  return `${kind}/${metadata?.name ?? "?"}${component ? ` (${component})` : ""}`;
}

/**
 * The objects of `kinds` (default every kind of RELEASE_KINDS) in `namespace` that match `labelSelector` (every
 * one without it), as sorted `objectKey`s; the cluster-scoped kinds across the whole cluster.
 */
export async function releaseObjects(
  kc: KubeConfig,
  namespace: string,
  labelSelector?: string,
  kinds: ReleaseKind[] = RELEASE_KINDS,
): Promise<string[]> {
  const lists = await Promise.all(
    kinds.map(async (kind) =>
      (await LISTERS[kind](kc, namespace, labelSelector)).map((object) => objectKey(kind, object.metadata)),
    ),
  );
  return lists.flat().sort();
}

/**
 * What Helm's install of `rendered` makes, as sorted `objectKey`s: the rendered objects (its hooks, such as the
 * chart's test Pod, left out) and the claims each StatefulSet makes from its templates for each replica.
 */
export function installedKeys(rendered: KubeObject[]): string[] {
  const installed = rendered.filter((object) => !object.metadata.annotations?.["helm.sh/hook"]);
  const claims = installed.filter((object) => object.kind === "StatefulSet").flatMap(statefulSetClaimKeys);
  return [...installed.map((object) => objectKey(object.kind, object.metadata)), ...claims].sort();
}

/** The claims `<template>-<statefulSet>-<ordinal>` a StatefulSet makes from its `volumeClaimTemplates`. */
function statefulSetClaimKeys(statefulSet: KubeObject): string[] {
  const spec = statefulSet.spec as { replicas?: number; volumeClaimTemplates?: { metadata: V1ObjectMeta }[] };
  const ordinals = Array.from({ length: spec.replicas ?? 1 }, (_, ordinal) => ordinal);
  return (spec.volumeClaimTemplates ?? []).flatMap((template) =>
    ordinals.map((ordinal) =>
      objectKey("PersistentVolumeClaim", {
        name: `${template.metadata.name}-${statefulSet.metadata.name}-${ordinal}`,
        labels: template.metadata.labels,
      }),
    ),
  );
}
