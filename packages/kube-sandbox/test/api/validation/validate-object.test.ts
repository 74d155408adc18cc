import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/api/object-store.js";
import { resourceTypeOf } from "../../../src/api/resource-catalog.js";
import { StatusError } from "../../../src/api/status-error.js";
import { validateObject, validateUpdate } from "../../../src/api/validation/validate-object.js";

function causesOf(resource: string, obj: KubeObject): { field?: string; reason: string; message: string }[] {
  try {
    validateObject(resourceTypeOf(resource), obj);
  } catch (error) {
    if (error instanceof StatusError && error.code === 422) return error.details.causes ?? [];
    throw error;
  }
  return [];
}

const deployment = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d" },
  spec,
});

describe("validateObject", () => {
  it("needs a name or generateName that is a DNS subdomain", () => {
    expect(causesOf("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "" } })).toEqual([
      {
        field: "metadata.name",
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
      },
    ]);
    expect(
      causesOf("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "", generateName: "x-" } }),
    ).toEqual([]);
    expect(causesOf("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a.b-c" } })).toEqual([]);
    expect(causesOf("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "UPPER" } })[0]?.field).toBe(
      "metadata.name",
    );
    expect(
      causesOf("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a".repeat(254) } })[0]?.message,
    ).toContain("253");
    expect(
      causesOf("services", {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "1abc" },
        spec: { ports: [{ port: 1 }] },
      }),
    ).toHaveLength(1);
    expect(
      causesOf("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "x", labels: { "bad key!": "v" } },
      })[0]?.field,
    ).toBe("metadata.labels");
  });

  it("checks a Deployment's selector, replicas and containers", () => {
    expect(
      causesOf("deployments.apps", deployment({ template: { spec: { containers: [{ name: "c", image: "i" }] } } })).map(
        (c) => c.field,
      ),
    ).toEqual(["spec.selector"]);
    expect(
      causesOf(
        "deployments.apps",
        deployment({
          replicas: -1,
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [] } },
        }),
      ).map((c) => [c.field, c.message]),
    ).toEqual([
      ["spec.replicas", "Invalid value: -1: must be greater than or equal to 0"],
      ["spec.template.spec.containers", "Required value"],
    ]);
    expect(
      causesOf(
        "deployments.apps",
        deployment({
          selector: { matchLabels: {} },
          template: { spec: { containers: [{ name: "c", image: "i" }, { name: "c" }] } },
        }),
      ).map((c) => c.field),
    ).toEqual(["spec.selector", "spec.template.spec.containers[1].name", "spec.template.spec.containers[1].image"]);
  });

  it("checks the types of Lease fields", () => {
    const lease = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "l" },
      spec,
    });
    expect(
      causesOf(
        "leases.coordination.k8s.io",
        lease({
          holderIdentity: "a",
          leaseDurationSeconds: 15,
          renewTime: "2024-01-01T00:00:00.000000Z",
          leaseTransitions: 0,
        }),
      ),
    ).toEqual([]);
    expect(
      causesOf(
        "leases.coordination.k8s.io",
        lease({ holderIdentity: 5, leaseDurationSeconds: "15", renewTime: "yesterday", leaseTransitions: -1 }),
      ).map((c) => c.field),
    ).toEqual(["spec.holderIdentity", "spec.leaseDurationSeconds", "spec.leaseTransitions", "spec.renewTime"]);
  });

  it("checks a binding's role reference and subjects, and a role's verbs", () => {
    const rbac = "rbac.authorization.k8s.io";
    const binding = (kind: string, fields: Record<string, unknown>): KubeObject => ({
      apiVersion: `${rbac}/v1`,
      kind,
      metadata: { name: "b", ...(kind === "RoleBinding" ? { namespace: "default" } : {}) },
      ...fields,
    });
    const good = {
      roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "robot", namespace: "default" }],
    };
    expect(causesOf(`rolebindings.${rbac}`, binding("RoleBinding", good))).toEqual([]);
    expect(causesOf(`clusterrolebindings.${rbac}`, binding("ClusterRoleBinding", good))).toEqual([]);
    const bad = {
      roleRef: { apiGroup: rbac, kind: "Role", name: "" },
      subjects: [
        { kind: "ServiceAccount", name: "robot" },
        { kind: "Robot", name: "r2" },
      ],
    };
    expect(causesOf(`rolebindings.${rbac}`, binding("RoleBinding", bad)).map((c) => c.field)).toEqual([
      "roleRef.name",
      "subjects[1].kind",
    ]);
    expect(causesOf(`clusterrolebindings.${rbac}`, binding("ClusterRoleBinding", bad))).toEqual([
      {
        field: "roleRef.kind",
        reason: "FieldValueNotSupported",
        message: 'Unsupported value: "Role": supported values: "ClusterRole"',
      },
      { field: "roleRef.name", reason: "FieldValueRequired", message: "Required value" },
      { field: "subjects[0].namespace", reason: "FieldValueRequired", message: "Required value" },
      {
        field: "subjects[1].kind",
        reason: "FieldValueNotSupported",
        message: 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      },
    ]);
    const role = (rules: unknown): KubeObject => ({
      apiVersion: `${rbac}/v1`,
      kind: "Role",
      metadata: { name: "r", namespace: "default" },
      rules,
    });
    expect(causesOf(`roles.${rbac}`, role([{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]))).toEqual([]);
    expect(causesOf(`roles.${rbac}`, role([{ apiGroups: [""], resources: ["pods"] }])).map((c) => c.field)).toEqual([
      "rules[0].verbs",
    ]);
    const type = resourceTypeOf(`rolebindings.${rbac}`);
    const current = binding("RoleBinding", good);
    expect(() => validateUpdate(type, { ...current, subjects: [] }, current)).not.toThrow();
    const reordered = { ...current, roleRef: { name: "view", kind: "ClusterRole", apiGroup: rbac } };
    expect(() => validateUpdate(type, reordered, current)).not.toThrow();
    const changed = { ...current, roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "admin" } };
    expect(() => validateUpdate(type, changed, current)).toThrow(
      'RoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef: Invalid value: ' +
        '{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"}: cannot change roleRef',
    );
  });

  it("checks what readers of an EndpointSlice rely on", () => {
    const slice = (fields: Record<string, unknown>): KubeObject => ({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "web-abcde" },
      ...fields,
    });
    const resource = "endpointslices.discovery.k8s.io";
    expect(
      causesOf(
        resource,
        slice({
          addressType: "IPv4",
          endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }],
          ports: [{ name: "", port: 80, protocol: "TCP" }],
        }),
      ),
    ).toEqual([]);
    expect(causesOf(resource, slice({ addressType: "IPv4", endpoints: null, ports: null }))).toEqual([]);
    expect(
      causesOf(
        resource,
        slice({
          endpoints: [{ addresses: [] }, "x"],
          ports: [{ port: 0, protocol: "HTTP" }],
        }),
      ).map((c) => [c.field, c.reason]),
    ).toEqual([
      ["addressType", "FieldValueRequired"],
      ["endpoints[0].addresses", "FieldValueRequired"],
      ["endpoints[1]", "FieldValueInvalid"],
      ["ports[0].port", "FieldValueInvalid"],
      ["ports[0].protocol", "FieldValueNotSupported"],
    ]);
    expect(
      causesOf(resource, slice({ addressType: "IPv4", endpoints: [{ addresses: ["10.0.0.256", "fd00::1"] }] })),
    ).toEqual([
      {
        field: "endpoints[0].addresses[0]",
        reason: "FieldValueInvalid",
        message: 'Invalid value: "10.0.0.256": must be a valid IPv4 address',
      },
      {
        field: "endpoints[0].addresses[1]",
        reason: "FieldValueInvalid",
        message: 'Invalid value: "fd00::1": must be a valid IPv4 address',
      },
    ]);
    expect(causesOf(resource, slice({ addressType: "IP" }))[0]?.reason).toBe("FieldValueNotSupported");
  });

  it("names the kind and group in the Status message", () => {
    expect(() => validateObject(resourceTypeOf("deployments.apps"), deployment({}))).toThrow(
      /^Deployment\.apps "d" is invalid: spec\.selector: Required value/,
    );
  });
});
