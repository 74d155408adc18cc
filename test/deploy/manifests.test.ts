import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MANIFESTS_DIR, staleManifests } from "../../scripts/render-manifests.js";
import { findObject, objectsOfKind, parseObjects } from "../support/helm-chart.js";
import { schemaProblems } from "../support/kubernetes-schemas.js";
import { helmPath } from "../support/tools.js";

describe("deploy/manifests", () => {
  it("equals a fresh render of the chart (run scripts/render-manifests.ts after changing the chart)", async () => {
    expect(await staleManifests(helmPath)).toEqual([]);
  });

  it("installs into its own namespace, created first, with placeholder secrets the header names", async () => {
    const namespaceFile = parseObjects(await readFile(join(MANIFESTS_DIR, "00-namespace.yaml"), "utf8"));
    expect(namespaceFile.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Namespace/etcd-responder"]);
    const text = await readFile(join(MANIFESTS_DIR, "etcd-responder.yaml"), "utf8");
    const objects = parseObjects(text);
    expect([...namespaceFile, ...objects].flatMap(schemaProblems)).toEqual([]);
    for (const object of objects) {
      const expected = object.kind === "Role" || object.kind === "RoleBinding" ? "default" : "etcd-responder";
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(expected);
    }
    const decoded = (name: string, key: string) =>
      Buffer.from((findObject(objects, "Secret", name).data as Record<string, string>)[key]!, "base64").toString();
    expect(decoded("etcd-responder-auth", "token")).toBe("CHANGE-ME");
    expect(decoded("etcd-responder-redis", "password")).toBe("CHANGE-ME");
    expect(text.split("\n").slice(0, 8).join("\n")).toMatch(/CHANGE-ME/);
    // Without Helm nothing would run or clean up the test Pod.
    expect(objectsOfKind(objects, "Pod")).toEqual([]);
  });
});
