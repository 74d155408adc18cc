import type { AccessAttributes, RequiredPermission } from "../gateways/kubernetes/kubernetes-gateway.js";

/**
 * Every request a recovery may make in `namespace`, one per verb of each permission, with `resource/subresource`
 * split as SelfSubjectAccessReview wants it.
 */
export function requiredAccess(permissions: readonly RequiredPermission[], namespace: string): AccessAttributes[] {
  return permissions.flatMap(({ apiGroup, resource: path, verbs }) => {
    const [resource = path, subresource] = path.split("/");
    return verbs.map((verb) => ({
      verb,
      group: apiGroup,
      resource,
      ...(subresource ? { subresource } : {}),
      namespace,
    }));
  });
}

/** The RBAC resource as a Role names it: `deployments`, `deployments/scale`, `pods/log`. */
function ruleResource(access: AccessAttributes): string {
  return access.subresource ? `${access.resource}/${access.subresource}` : access.resource;
}

/** One permission for people, as kubectl spells resources: `update deployments.apps in namespace default`. */
export function describeAccess(access: AccessAttributes): string {
  const group = access.group ? `.${access.group}` : "";
  return `${access.verb} ${ruleResource(access)}${group} in namespace ${access.namespace}`;
}

/**
 * The Role rules that grant `missing`, one per group and resource with all of its missing verbs, on one line
 * each: `- apiGroups: ["apps"] resources: ["deployments"] verbs: ["update"]`.
 */
export function roleRules(missing: readonly AccessAttributes[]): string[] {
  const verbsByRule = new Map<string, { group: string; resource: string; verbs: string[] }>();
  for (const access of missing) {
    const resource = ruleResource(access);
    const key = `${access.group}\u0000${resource}`;
    const rule = verbsByRule.get(key) ?? { group: access.group, resource, verbs: [] };
    if (!rule.verbs.includes(access.verb)) rule.verbs.push(access.verb);
    verbsByRule.set(key, rule);
  }
  const list = (items: string[]) => `[${items.map((item) => JSON.stringify(item)).join(", ")}]`;
  return [...verbsByRule.values()].map(
    (rule) => `- apiGroups: ${list([rule.group])} resources: ${list([rule.resource])} verbs: ${list(rule.verbs)}`,
  );
}

/**
 * Why a recovery that lacks `missing` (not empty) is refused, in one line: each missing permission, then the
 * rules to add to the responder's Role.
 */
export function missingPermissionsMessage(missing: readonly AccessAttributes[]): string {
  const namespace = missing[0]?.namespace ?? "";
  const count = missing.length === 1 ? "a permission" : `${missing.length} permissions`;
  return (
    `the responder lacks ${count} the recovery needs: ${missing.map(describeAccess).join(", ")}. ` +
    `Add to the responder's Role in namespace ${namespace} (the Helm chart's Role has them): ` +
    roleRules(missing).join(" ")
  );
}
