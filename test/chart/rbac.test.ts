import { beforeAll, describe, expect, it } from "vitest";
import { REQUIRED_PERMISSIONS } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { findObject, objectsOfKind, renderChart, type KubeObject } from "../support/helm-chart.js";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A rule set as `group/resource/verb` grants, one per combination. */
function grants(rules: Rule[]): string[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => (rule.verbs ?? []).map((verb) => `${group}/${resource}/${verb}`)),
    ),
  );
}

const REQUIRED = REQUIRED_PERMISSIONS.flatMap((p) =>
  p.verbs.map((verb) => `${p.apiGroup}/${p.resource}/${verb}`),
).sort();

describe("RBAC", () => {
  let byValues: Record<"default" | "multi" | "clusterWide", KubeObject[]>;

  beforeAll(async () => {
    const [defaults, multi, clusterWide] = await Promise.all([
      renderChart(),
      renderChart({ values: ["chart/ci/multi-namespace-values.yaml"] }),
      renderChart({ values: ["chart/ci/all-mode-values.yaml"] }),
    ]);
    byValues = { default: defaults, multi: multi, clusterWide: clusterWide };
  });

  it("grants exactly REQUIRED_PERMISSIONS in each managed namespace: every entry, nothing more, no wildcards", () => {
    for (const objects of [byValues.default, byValues.multi]) {
      for (const role of objectsOfKind(objects, "Role")) {
        const rules = role.rules as Rule[];
        expect(grants(rules).sort(), `Role in ${role.metadata.namespace}`).toEqual(REQUIRED);
        expect(JSON.stringify(rules)).not.toContain("*");
        expect(rules.every((r) => !r.resourceNames && !r.nonResourceURLs)).toBe(true);
      }
    }
  });

  it("makes one Role and RoleBinding per namespace of the configured clusters, bound to the ServiceAccount", () => {
    const roles = objectsOfKind(byValues.multi, "Role");
    // Four clusters in three namespaces; `shop` has two of them.
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(["default", "platform", "shop"]);
    const account = findObject(byValues.multi, "ServiceAccount", "etcd-responder");
    for (const role of roles) {
      const binding = objectsOfKind(byValues.multi, "RoleBinding").find(
        (b) => b.metadata.namespace === role.metadata.namespace,
      )!;
      expect(binding.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: role.metadata.name,
      });
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace },
      ]);
    }
    expect(objectsOfKind(byValues.multi, "ClusterRole")).toEqual([]);
    expect(objectsOfKind(byValues.default, "Role").map((r) => r.metadata.namespace)).toEqual(["default"]);
  });

  it("with rbac.clusterWide grants the same rules once, with a ClusterRole and ClusterRoleBinding", () => {
    const objects = byValues.clusterWide;
    expect(objectsOfKind(objects, "Role")).toEqual([]);
    const clusterRole = findObject(objects, "ClusterRole", "etcd-responder");
    expect(grants(clusterRole.rules as Rule[]).sort()).toEqual(REQUIRED);
    const binding = findObject(objects, "ClusterRoleBinding", "etcd-responder");
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "etcd-responder",
    });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "etcd-responder", namespace: "etcd-responder" }]);
  });

  it("runs every responder Pod as the chart's ServiceAccount, and Redis and the test Pod without an API token", () => {
    for (const objects of Object.values(byValues)) {
      for (const deployment of objectsOfKind(objects, "Deployment")) {
        expect(
          (deployment.spec as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName,
        ).toBe("etcd-responder");
      }
      for (const statefulSet of objectsOfKind(objects, "StatefulSet")) {
        expect(
          (statefulSet.spec as { template: { spec: { automountServiceAccountToken: boolean } } }).template.spec
            .automountServiceAccountToken,
        ).toBe(false);
      }
      for (const pod of objectsOfKind(objects, "Pod"))
        expect((pod.spec as { automountServiceAccountToken: boolean }).automountServiceAccountToken).toBe(false);
    }
  });
});
