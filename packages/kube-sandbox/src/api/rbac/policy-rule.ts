import type { RequestAttributes } from "./request-attributes.js";

/** One rule of a Role or ClusterRole (`rbac.authorization.k8s.io/v1` PolicyRule). */
export interface PolicyRule {
  /** The verbs allowed, or `*`. */
  verbs?: string[];
  /** The API groups of the resources ("" for the core group), or `*`. */
  apiGroups?: string[];
  /** Plurals, `plural/subresource`, a subresource of every resource (a star, a slash and its name) or `*`. */
  resources?: string[];
  /** Names the rule is limited to; empty or absent for every name. */
  resourceNames?: string[];
  /** Paths, or path prefixes ending in `*`, for requests that name no resource. */
  nonResourceURLs?: string[];
}

/** Whether `rule` allows the request, by RBAC's matching rules. */
export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attributes.verb)) return false;
  if (!attributes.resourceRequest) return nonResourceUrlMatches(rule, attributes.path);
  const combined = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  return (
    apiGroupMatches(rule, attributes.apiGroup) &&
    resourceMatches(rule, combined, attributes.subresource) &&
    resourceNameMatches(rule, attributes.name)
  );
}

/** `*` or the verb itself. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === "*" || v === verb);
}

/** `*` or the group itself ("" is the core group). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === "*" || g === group);
}

/**
 * `*`, the resource with its subresource (`pods/log`), or a star and a slash before the subresource. A plain
 * resource never covers its subresources.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some(
    (r) => r === "*" || r === combined || (subresource !== "" && r === `*/${subresource}`),
  );
}

/** No names listed, or the request's name among them (a request without a name matches no list). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** The path itself, `*`, or a prefix ending in `*`. */
export function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1))),
  );
}
