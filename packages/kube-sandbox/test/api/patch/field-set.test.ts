import { describe, expect, it } from "vitest";
import { FieldSet, fieldSetOf, pathString, removePath, valueAt } from "../../../src/api/patch/field-set.js";

const DEPLOYMENT = {
  metadata: { labels: { app: "web" } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sleep", "3600"],
            ports: [{ containerPort: 80 }],
            resources: {},
          },
        ],
      },
    },
  },
};

describe("field sets", () => {
  it("encodes what an object sets as kube-apiserver's fieldsV1", () => {
    expect(fieldSetOf(DEPLOYMENT).toFieldsV1()).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"main"}': {
                ".": {},
                "f:command": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                "f:resources": {},
              },
            },
          },
        },
      },
    });
  });

  it("reads fieldsV1 back to the same set", () => {
    const set = fieldSetOf({ ...DEPLOYMENT, metadata: { finalizers: ["a", "b"], labels: { app: "web" } } });
    const again = FieldSet.fromFieldsV1(set.toFieldsV1());
    expect(again.size).toBe(set.size);
    expect(again.paths().every((p) => set.has(p))).toBe(true);
    expect(set.has(["f:metadata", "f:finalizers", 'v:"a"'])).toBe(true);
  });

  it("leaves out ignored paths and everything below them", () => {
    const set = fieldSetOf(DEPLOYMENT, (path) => path[0] === "f:spec");
    expect(set.paths()).toEqual([["f:metadata", "f:labels", "f:app"]]);
  });

  it("finds and removes values by path, list items by their keys", () => {
    const obj = structuredClone(DEPLOYMENT) as Record<string, unknown>;
    const image = ["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"main"}', "f:image"];
    expect(valueAt(obj, image)).toBe("busybox");
    removePath(obj, image.slice(0, -1));
    expect(valueAt(obj, ["f:spec", "f:template", "f:spec", "f:containers"])).toEqual([]);
    removePath(obj, ["f:metadata", "f:labels", "f:app"]);
    expect(obj.metadata).toEqual({ labels: {} });
  });

  it("prints paths as conflicts name them", () => {
    expect(pathString(["f:spec", "f:containers", 'k:{"name":"main"}', "f:image"])).toBe(
      '.spec.containers[name="main"].image',
    );
    expect(pathString(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
  });
});
