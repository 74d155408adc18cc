import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig, type V1PolicyRule } from "@kubernetes/client-node";
import { stringify } from "yaml";

/** A ServiceAccount bound to a Role of its own, and a kubeconfig that authenticates as it with a token. */
export interface RestrictedIdentity {
  /** Path of the kubeconfig: the admin's cluster, the ServiceAccount's token. */
  kubeconfig: string;
  /** Replaces the rules of the identity's Role; RBAC decides the next request by them. */
  setRules(rules: V1PolicyRule[]): Promise<void>;
}

/**
 * Makes ServiceAccount `name` in `namespace`, a Role `name` with `rules` and a RoleBinding granting it, gets a
 * token for it by TokenRequest and writes `DIR/NAME.kubeconfig` using it, with the cluster of `admin`.
 */
export async function createRestrictedIdentity(
  admin: KubeConfig,
  dir: string,
  namespace: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<RestrictedIdentity> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name, namespace }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} answered no token`);

  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("the admin kubeconfig has no current cluster");
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(cluster.caData ? { "certificate-authority-data": cluster.caData } : {}),
          ...(cluster.caFile ? { "certificate-authority": cluster.caFile } : {}),
        },
      },
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: cluster.name, user: name, namespace } }],
    "current-context": name,
  };
  await writeFile(kubeconfig, stringify(config), { mode: 0o600 });
  return {
    kubeconfig,
    setRules: async (next) => {
      const role = await rbac.readNamespacedRole({ namespace, name });
      await rbac.replaceNamespacedRole({ namespace, name, body: { ...role, rules: next } });
    },
  };
}

/**
 * `rules` without `verb` in the rule of `resource` of `apiGroup` alone (rules naming more are left as they are);
 * a rule left without verbs is dropped.
 */
export function withoutVerb(rules: V1PolicyRule[], apiGroup: string, resource: string, verb: string): V1PolicyRule[] {
  const only = (list: string[] | undefined, item: string) => list?.length === 1 && list[0] === item;
  const next = rules.map((rule) =>
    only(rule.apiGroups, apiGroup) && only(rule.resources, resource)
      ? { ...rule, verbs: rule.verbs.filter((v) => v !== verb) }
      : rule,
  );
  const changed = next.some((rule, i) => rule.verbs.length !== rules[i]!.verbs.length);
  if (!changed) throw new Error(`no rule grants ${verb} on ${resource} of API group "${apiGroup}"`);
  return next.filter((rule) => rule.verbs.length > 0);
}
