import type { KubeObject } from "../object-store.js";
import { RBAC_GROUP } from "../rbac/rbac-resources.js";
import type { StatusCause } from "../status-error.js";
import { invalid, notSupported, required } from "./field-causes.js";

type Json = Record<string, unknown>;

const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Checks a RoleBinding's role reference and subjects, as kube-apiserver does. */
export function validateRoleBinding(binding: KubeObject): StatusCause[] {
  return validateBinding(binding, ["Role", "ClusterRole"], false);
}

/** Checks a ClusterRoleBinding's role reference (a ClusterRole) and subjects (ServiceAccounts with a namespace). */
export function validateClusterRoleBinding(binding: KubeObject): StatusCause[] {
  return validateBinding(binding, ["ClusterRole"], true);
}

/** Checks that a Role's or ClusterRole's rules are objects with verbs. */
export function validateRules(role: KubeObject): StatusCause[] {
  const rules = role.rules ?? [];
  if (!Array.isArray(rules)) return [invalid("rules", rules, "must be a list")];
  return rules.flatMap((rule, i) => {
    if (!isObject(rule)) return [invalid(`rules[${i}]`, rule, "must be an object")];
    return Array.isArray(rule.verbs) && rule.verbs.length > 0
      ? []
      : [required(`rules[${i}].verbs`, "verbs must contain at least one value")];
  });
}

function validateBinding(binding: KubeObject, roleKinds: string[], clusterWide: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const roleRef = isObject(binding.roleRef) ? binding.roleRef : {};
  if (roleRef.apiGroup !== RBAC_GROUP) causes.push(notSupported("roleRef.apiGroup", roleRef.apiGroup, [RBAC_GROUP]));
  if (!roleKinds.includes(roleRef.kind as string)) causes.push(notSupported("roleRef.kind", roleRef.kind, roleKinds));
  if (typeof roleRef.name !== "string" || roleRef.name === "") causes.push(required("roleRef.name"));
  const subjects = binding.subjects ?? [];
  if (!Array.isArray(subjects)) return [...causes, invalid("subjects", subjects, "must be a list")];
  subjects.forEach((subject, i) => {
    const at = `subjects[${i}]`;
    if (!isObject(subject)) {
      causes.push(invalid(at, subject, "must be an object"));
      return;
    }
    if (typeof subject.name !== "string" || subject.name === "") causes.push(required(`${at}.name`));
    if (!SUBJECT_KINDS.includes(subject.kind as string)) {
      causes.push(notSupported(`${at}.kind`, subject.kind, SUBJECT_KINDS));
    } else if (subject.kind === "ServiceAccount" && clusterWide && !subject.namespace) {
      causes.push(required(`${at}.namespace`));
    }
  });
  return causes;
}

/** A binding's `roleRef` cannot change: kube-apiserver refuses it (delete and create the binding instead). */
export function validateRoleRefUnchanged(next: KubeObject, current: KubeObject): StatusCause[] {
  const wanted = isObject(next.roleRef) ? next.roleRef : {};
  const held = isObject(current.roleRef) ? current.roleRef : {};
  const same = ["apiGroup", "kind", "name"].every((field) => wanted[field] === held[field]);
  return same ? [] : [invalid("roleRef", next.roleRef, "cannot change roleRef")];
}
