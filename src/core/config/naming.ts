import type { ResolvedCluster, ResolvedMember, StatefulSetSettings } from "./types.js";

/** The placeholders every naming template may use. */
const COMMON_PLACEHOLDERS = ["name", "index", "namespace"] as const;
/** The placeholders only a StatefulSet cluster's templates may use. */
const STATEFULSET_PLACEHOLDERS = ["ordinal", "pod", "serviceName"] as const;
const TEMPLATE_PLACEHOLDERS: readonly string[] = [...COMMON_PLACEHOLDERS, ...STATEFULSET_PLACEHOLDERS];

/** Values substituted into a naming template. */
export interface TemplateValues {
  /** The cluster name. */
  name: string;
  /** The member index, 1-based. */
  index: number;
  /** The cluster's namespace. */
  namespace: string;
  /** StatefulSet clusters only: the member's Pod ordinal (`index - 1`), its Pod and the headless Service. */
  statefulSet?: { ordinal: number; pod: string; serviceName: string };
}

/** How a member's Kubernetes objects, etcd name and URLs are derived from the cluster name and member index. */
export interface NamingTemplates {
  /** The member's Deployment; default `{name}-{index}`. Deployment clusters only. */
  deployment?: string;
  /** The member's Service; default `{name}{index}`. Deployment clusters only. */
  service?: string;
  /** The URL clients use to reach the member; default `http://{name}{index}.{namespace}.svc:2379`. */
  clientURL: string;
  /** The URL peers use (`--initial-advertise-peer-urls`); default `http://{name}{index}:2380`. */
  peerURL: string;
  /** The etcd member name (`--name`); default `{name}{index}`. */
  memberName: string;
}

/** The naming the seed script's Deployment template uses. */
export const DEFAULT_NAMING: Readonly<Required<NamingTemplates>> = {
  deployment: "{name}-{index}",
  service: "{name}{index}",
  clientURL: "http://{name}{index}.{namespace}.svc:2379",
  peerURL: "http://{name}{index}:2380",
  memberName: "{name}{index}",
};

/**
 * The naming of a StatefulSet cluster: member N is Pod `STATEFULSET-(N-1)`, named after its Pod, reached through
 * the Pod's DNS name under the headless Service, as the bitnami chart and most operators run etcd.
 */
export const STATEFULSET_NAMING: Readonly<NamingTemplates> = {
  clientURL: "http://{pod}.{serviceName}.{namespace}.svc:2379",
  peerURL: "http://{pod}.{serviceName}.{namespace}.svc:2380",
  memberName: "{pod}",
};

const PLACEHOLDER = /\{([^{}]*)\}/g;
const PLACEHOLDER_LIST = "{name}, {index} or {namespace} (StatefulSet clusters also {ordinal}, {pod}, {serviceName})";

/**
 * What is wrong with a template, or undefined when it is fine: an unknown placeholder such as `{idx}`,
 * or a brace that opens or closes nothing.
 */
export function templateProblem(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? "";
    if (!TEMPLATE_PLACEHOLDERS.includes(key)) return `unknown placeholder {${key}}; use ${PLACEHOLDER_LIST}`;
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ""))) {
    return `unmatched { or }; placeholders are written ${PLACEHOLDER_LIST}`;
  }
  return undefined;
}

/** The StatefulSet-only placeholder a template uses, if any: a Deployment cluster has no Pod ordinal. */
export function statefulSetPlaceholderIn(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? "";
    if ((STATEFULSET_PLACEHOLDERS as readonly string[]).includes(key)) return `{${key}}`;
  }
  return undefined;
}

/** Fills a template checked by `templateProblem`. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, key: string) => {
    if (key === "name") return values.name;
    if (key === "index") return String(values.index);
    if (key === "namespace") return values.namespace;
    const statefulSet = values.statefulSet;
    if (statefulSet && key === "ordinal") return String(statefulSet.ordinal);
    if (statefulSet && key === "pod") return statefulSet.pod;
    if (statefulSet && key === "serviceName") return statefulSet.serviceName;
    throw new Error(`placeholder {${key}} has no value here`);
  });
}

/** What a member's names and URLs are derived from. */
export type MemberNamingSource = Pick<ResolvedCluster, "name" | "namespace" | "naming" | "memberURLs" | "statefulSet">;

/**
 * Member `index` (1-based) of a cluster being resolved: names from the templates, URLs from `memberURLs` where
 * given. A StatefulSet cluster's member N runs as Pod `STATEFULSET-(N-1)` on claim `TEMPLATE-STATEFULSET-(N-1)`.
 */
export function renderMember(source: MemberNamingSource, index: number): ResolvedMember {
  const override = source.memberURLs[index] ?? {};
  const statefulSet = source.statefulSet && statefulSetMember(source.statefulSet, index);
  const values: TemplateValues = {
    name: source.name,
    namespace: source.namespace,
    index,
    ...(statefulSet ? { statefulSet } : {}),
  };
  const { naming } = source;
  return {
    index,
    name: renderTemplate(naming.memberName, values),
    workload: statefulSet
      ? { kind: "StatefulSet", ...statefulSet }
      : {
          kind: "Deployment",
          name: renderTemplate(naming.deployment ?? DEFAULT_NAMING.deployment, values),
          service: renderTemplate(naming.service ?? DEFAULT_NAMING.service, values),
        },
    clientURL: override.clientURL ?? renderTemplate(naming.clientURL, values),
    peerURL: override.peerURL ?? renderTemplate(naming.peerURL, values),
  };
}

function statefulSetMember(settings: StatefulSetSettings, index: number) {
  const ordinal = index - 1;
  const pod = `${settings.name}-${ordinal}`;
  return {
    name: settings.name,
    serviceName: settings.serviceName,
    ordinal,
    pod,
    claim: `${settings.volumeClaimTemplate}-${pod}`,
  };
}
