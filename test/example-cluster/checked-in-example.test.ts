import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exampleClusterFiles } from "../../src/cli/example-cluster.js";

const exampleDir = fileURLToPath(new URL("../../deploy/examples/etcd-cluster/", import.meta.url));

describe("deploy/examples/etcd-cluster", () => {
  const generated = exampleClusterFiles({
    name: "example",
    members: 5,
    namespace: "default",
    addressing: { kind: "service-dns" },
  });

  it("holds exactly the generated YAML files", () => {
    const yamlFiles = readdirSync(exampleDir)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    expect(yamlFiles).toEqual(generated.map((f) => f.name).sort());
  });

  it.each(generated.map((f) => [f.name, f.content] as const))("%s equals a fresh generation", (name, content) => {
    expect(readFileSync(`${exampleDir}${name}`, "utf8")).toBe(content);
  });
});
