import type { ResolvedCluster, ResolvedMember } from "./types.js";

/** The placeholders a naming template may use. */
const TEMPLATE_PLACEHOLDERS = ["name", "index", "namespace"] as const;

/** Values substituted into a naming template. */
export interface TemplateValues {
  /** The cluster name. */
  name: string;
  /** The member index, 1-based. */
  index: number;
  /** The cluster's namespace. */
  namespace: string;
}

/** How a member's Kubernetes objects, etcd name and URLs are derived from the cluster name and member index. */
export interface NamingTemplates {
  /** The member's Deployment; default `{name}-{index}`. */
  deployment: string;
  /** The member's Service; default `{name}{index}`. */
  service: string;
  /** The URL clients use to reach the member; default `http://{name}{index}.{namespace}.svc:2379`. */
  clientURL: string;
  /** The URL peers use (`--initial-advertise-peer-urls`); default `http://{name}{index}:2380`. */
  peerURL: string;
  /** The etcd member name (`--name`); default `{name}{index}`. */
  memberName: string;
}

/** The naming the seed script's Deployment template uses. */
export const DEFAULT_NAMING: Readonly<NamingTemplates> = {
  deployment: "{name}-{index}",
  service: "{name}{index}",
  clientURL: "http://{name}{index}.{namespace}.svc:2379",
  peerURL: "http://{name}{index}:2380",
  memberName: "{name}{index}",
};

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * What is wrong with a template, or undefined when it is fine: an unknown placeholder such as `{idx}`,
 * or a brace that opens or closes nothing.
 */
export function templateProblem(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? "";
    if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(key)) {
      return `unknown placeholder {${key}}; use {name}, {index} or {namespace}`;
    }
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ""))) {
    return "unmatched { or }; placeholders are written {name}, {index} or {namespace}";
  }
  return undefined;
}

/** Fills a template checked by `templateProblem`. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, key: string) => {
    if (key === "name") return values.name;
    if (key === "index") return String(values.index);
    if (key === "namespace") return values.namespace;
    throw new Error(`unknown placeholder {${key}}`);
  });
}

/** What a member's names and URLs are derived from. */
export type MemberNamingSource = Pick<ResolvedCluster, "name" | "namespace" | "naming" | "memberURLs">;

/**
 * Member `index` (1-based) of a cluster being resolved: names from the templates, URLs from `memberURLs` where given.
 */
export function renderMember(source: MemberNamingSource, index: number): ResolvedMember {
  const values = { name: source.name, namespace: source.namespace, index };
  const override = source.memberURLs[index] ?? {};
  return {
    index,
    name: renderTemplate(source.naming.memberName, values),
    deployment: renderTemplate(source.naming.deployment, values),
    service: renderTemplate(source.naming.service, values),
    clientURL: override.clientURL ?? renderTemplate(source.naming.clientURL, values),
    peerURL: override.peerURL ?? renderTemplate(source.naming.peerURL, values),
  };
}
