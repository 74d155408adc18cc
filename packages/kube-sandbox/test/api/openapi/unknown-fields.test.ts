import { describe, expect, it } from "vitest";
import { duplicateJsonFields } from "../../../src/api/openapi/duplicate-fields.js";
import { fieldValidationOf } from "../../../src/api/openapi/field-validation.js";
import { kindSchemas, type SchemaSet } from "../../../src/api/openapi/schemas.js";
import { pruneUnknownFields } from "../../../src/api/openapi/unknown-fields.js";
import { RESOURCE_TYPES } from "../../../src/api/resource-catalog.js";
import { StatusError } from "../../../src/api/status-error.js";

const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });

/** A small hand-made schema set: an object with a nested object, a list of objects, a map and a free part. */
const SCHEMAS: SchemaSet = new Map([
  [
    "Thing",
    {
      type: "object",
      properties: {
        spec: ref("Spec"),
        labels: { type: "object", additionalProperties: { type: "string" } },
        data: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  ],
  [
    "Spec",
    {
      type: "object",
      properties: { replicas: { type: "integer" }, items: { type: "array", items: ref("Item") } },
    },
  ],
  ["Item", { type: "object", properties: { name: { type: "string" } } }],
]);

describe("unknown fields", () => {
  it("names each unknown field by its path, as kube-apiserver's strict decoder does, and drops it", () => {
    const obj = {
      spec: { replcas: 2, items: [{ name: "a" }, { name: "b", nmae: "c" }] },
      labels: { anything: "goes" },
      data: { free: { form: true } },
      extra: 1,
    };
    expect(pruneUnknownFields(SCHEMAS, "Thing", obj)).toEqual(["spec.replcas", "spec.items[1].nmae", "extra"]);
    expect(obj).toEqual({
      spec: { items: [{ name: "a" }, { name: "b" }] },
      labels: { anything: "goes" },
      data: { free: { form: true } },
    });
  });

  it("leaves values of the wrong type to the validators", () => {
    const obj = { spec: "not an object", labels: ["x"] };
    expect(pruneUnknownFields(SCHEMAS, "Thing", obj)).toEqual([]);
    expect(obj).toEqual({ spec: "not an object", labels: ["x"] });
  });

  it("knows every field of the served kinds, from the client's models", () => {
    const { schemas, rootOf } = kindSchemas();
    for (const t of RESOURCE_TYPES) expect(rootOf.get(t), t.plural).toBeDefined();
    const deployments = RESOURCE_TYPES.find((t) => t.plural === "deployments")!;
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" }, annotatons: {} },
      spec: {
        replcas: 1,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              {
                name: "main",
                image: "busybox",
                imagee: "typo",
                env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                resources: { limits: { cpu: "1", memory: "1Gi" } },
                ports: [{ containerPort: 80, protocol: "TCP" }],
              },
            ],
          },
        },
      },
      status: { replicas: 1, conditions: [{ type: "Available", status: "True" }] },
    };
    expect(pruneUnknownFields(schemas, rootOf.get(deployments)!, deployment)).toEqual([
      "metadata.annotatons",
      "spec.replcas",
      "spec.template.spec.containers[0].imagee",
    ]);
  });

  it("declares the patch strategies kubectl apply computes its patches with", () => {
    const { schemas } = kindSchemas();
    const podSpec = schemas.get("io.k8s.api.core.v1.PodSpec")!.properties as Record<string, Record<string, unknown>>;
    expect(podSpec.containers).toMatchObject({
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-patch-merge-key": "name",
    });
    expect(schemas.get("io.k8s.api.apps.v1.Deployment")).toMatchObject({
      "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
    });
  });
});

describe("duplicate fields", () => {
  it("names fields a JSON text sets twice in one object, with their paths", () => {
    const text = '{"spec": {"replicas": 1, "replicas": 2, "items": [{"name": "a", "name": "b"}]}, "x": "}"}';
    expect(duplicateJsonFields(text)).toEqual(["spec.replicas", "spec.items[0].name"]);
    expect(duplicateJsonFields('{"a": {"b": 1}, "c": [1, 2, {"a": true}]}')).toEqual([]);
    expect(duplicateJsonFields('{"a\\"b": 1, "a\\"b": 2}')).toEqual(['a"b']);
  });
});

describe("the fieldValidation directive", () => {
  it("is Warn when absent, as kube-apiserver defaults it", () => {
    expect(fieldValidationOf(new URLSearchParams(), "CreateOptions")).toBe("Warn");
    expect(fieldValidationOf(new URLSearchParams("fieldValidation=Strict"), "PatchOptions")).toBe("Strict");
    expect(fieldValidationOf(new URLSearchParams("fieldValidation=Ignore"), "UpdateOptions")).toBe("Ignore");
  });

  it("refuses any other value with kube-apiserver's 422", () => {
    let error: unknown;
    try {
      fieldValidationOf(new URLSearchParams("fieldValidation=strict"), "CreateOptions");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StatusError);
    expect((error as StatusError).code).toBe(422);
    expect((error as StatusError).message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": ' +
        'supported values: "Ignore", "Strict", "Warn"',
    );
  });
});
