import type { KubeObject } from "../api/object-store.js";
import { CONTROLLER_REVISION_HASH_LABEL, revisionTemplate } from "./controller-revisions.js";
import { controllerReference } from "./owner-references.js";
import type { ControllerRevision, StatefulSet } from "./statefulset-types.js";
import type { Pod } from "./workload-types.js";
import { cloneJson } from "../api/patch/json-value.js";

/** Label of a StatefulSet's Pod holding the Pod's own name (a Service can select one Pod by it). */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
/** Label of a StatefulSet's Pod holding its ordinal. */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** The first ordinal of the StatefulSet (`spec.ordinals.start`, default 0). */
export function firstOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** `SET-ORDINAL`, the name of the StatefulSet's Pod with that ordinal. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The ordinal a Pod's name gives it within the StatefulSet, or undefined for a name not `SET-N`. */
export function ordinalOf(set: StatefulSet, pod: KubeObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const rest = pod.metadata.name.startsWith(prefix) ? pod.metadata.name.slice(prefix.length) : "";
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** `TEMPLATE-SET-ORDINAL`, the claim a `volumeClaimTemplate` makes for the Pod with that ordinal. */
export function claimName(template: KubeObject, set: StatefulSet, ordinal: number): string {
  return `${template.metadata.name}-${podName(set, ordinal)}`;
}

/** The revision a Pod was made from: its `controller-revision-hash` label. */
export function podRevision(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/**
 * The Pod with `ordinal` made from `revision`: named `SET-ORDINAL`, its hostname that name and its
 * subdomain the StatefulSet's `serviceName`, labelled with its name, ordinal and revision, and with a
 * volume for every `volumeClaimTemplate` (replacing a template volume of the same name).
 */
export function newStatefulPod(set: StatefulSet, revision: ControllerRevision, ordinal: number): Pod {
  const template = revisionTemplate(revision);
  const name = podName(set, ordinal);
  const metadata: Pod["metadata"] = {
    name,
    namespace: set.metadata.namespace,
    labels: {
      ...template.metadata?.labels,
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
      [CONTROLLER_REVISION_HASH_LABEL]: revision.metadata.name,
    },
    ownerReferences: [controllerReference(set)],
  };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  const spec = cloneJson(template.spec ?? {});
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claims = set.spec?.volumeClaimTemplates ?? [];
  const claimVolumes = claims.map((claim) => ({
    name: claim.metadata.name,
    persistentVolumeClaim: { claimName: claimName(claim, set, ordinal) },
  }));
  const own = ((spec.volumes ?? []) as { name?: string }[]).filter(
    (volume) => !claims.some((claim) => claim.metadata.name === volume.name),
  );
  if (claimVolumes.length > 0 || own.length > 0) spec.volumes = [...claimVolumes, ...own];
  // The API server starts every Pod Pending; the kubelet takes it from there.
  return { apiVersion: "v1", kind: "Pod", metadata, spec, status: { phase: "Pending" } };
}

/** The claim `template` makes for the Pod with `ordinal`, labelled with the StatefulSet's selector labels. */
export function newStatefulClaim(set: StatefulSet, template: KubeObject, ordinal: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(template, set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...template.metadata.labels, ...set.spec?.selector?.matchLabels },
      ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
    },
    spec: cloneJson(template.spec ?? {}),
  };
}
