import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runGenerateExample, exampleClusterFiles, exampleStatefulSetFiles } from "../../src/cli/example-cluster.js";
import type { Manifest } from "../../src/cli/example-cluster-manifests.js";
import { fileURLToPath } from "node:url";

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = runGenerateExample(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe("etcd-responder example-cluster", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("prints every object as YAML, five members by default", () => {
    const { code, stdout, stderr } = run(["--name", "orders", "--namespace", "data"]);
    expect([code, stderr]).toEqual([0, ""]);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as unknown);
    expect(objects).toHaveLength(10);
    expect(objects[9]).toMatchObject({ kind: "Deployment", metadata: { name: "orders-5", namespace: "data" } });
  });

  it("passes image and TLS Secret through", () => {
    const { code, stdout } = run([
      "--name",
      "orders",
      "--members",
      "1",
      "--image",
      "etcd:test",
      "--tls-secret",
      "orders-tls",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("image: etcd:test");
    expect(stdout).toContain("secretName: orders-tls");
  });

  it("writes one file per member and a kustomization with --out", () => {
    const dir = mkdtempSync(join(tmpdir(), "example-cluster-"));
    dirs.push(dir);
    const out = join(dir, "nested");
    const { code, stdout } = run(["--name", "orders", "--members", "3", "--out", out]);
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(4);
    expect(readdirSync(out).sort()).toEqual(["Kustomization", "orders-1.yaml", "orders-2.yaml", "orders-3.yaml"]);
    const member = parseAllDocuments(readFileSync(join(out, "orders-2.yaml"), "utf8")).map((d) => d.toJS() as Manifest);
    expect(member.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Service/orders2", "Deployment/orders-2"]);
    const kustomization = parseAllDocuments(readFileSync(join(out, "Kustomization"), "utf8"))[0]!.toJS() as {
      resources: string[];
    };
    expect(kustomization.resources).toEqual(["orders-1.yaml", "orders-2.yaml", "orders-3.yaml"]);
  });

  it("prints the StatefulSet layout with --workload statefulset", () => {
    const { code, stdout, stderr } = run(["--name", "orders", "--members", "3", "--workload", "statefulset"]);
    expect([code, stderr]).toEqual([0, ""]);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Service/orders-headless",
      "Service/orders",
      "StatefulSet/orders",
    ]);
    expect(objects[2]!.spec).toMatchObject({ replicas: 3 });
  });

  it("writes one file and a kustomization for a StatefulSet with --out", () => {
    const dir = mkdtempSync(join(tmpdir(), "example-cluster-"));
    dirs.push(dir);
    const { code, stdout } = run([
      "--name",
      "orders",
      "--workload",
      "statefulset",
      "--namespace",
      "data",
      "--out",
      dir,
    ]);
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      `wrote ${join(dir, "orders.yaml")}`,
      `wrote ${join(dir, "Kustomization")}`,
    ]);
    expect(readdirSync(dir).sort()).toEqual(["Kustomization", "orders.yaml"]);
    const objects = parseAllDocuments(readFileSync(join(dir, "orders.yaml"), "utf8")).map((d) => d.toJS() as Manifest);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`)).toEqual([
      "Service/orders-headless/data",
      "Service/orders/data",
      "StatefulSet/orders/data",
    ]);
    const kustomization = parseAllDocuments(readFileSync(join(dir, "Kustomization"), "utf8"))[0]!.toJS() as {
      resources: string[];
    };
    expect(kustomization.resources).toEqual(["orders.yaml"]);
  });

  it.each([
    [[], "--name is required"],
    [["--name", "orders", "--workload", "sts"], '--workload must be deployment or statefulset, got "sts"'],
    [["--name", "a".repeat(53), "--workload", "statefulset"], "at most 52 characters"],
    [["--name", "orders", "--members", "three"], '--members must be a whole number, got "three"'],
    [["--name", "orders", "--members", "12"], "members: must be a whole number from 1 to 9, got 12"],
    [["--name", "Orders"], 'name: "Orders" is not a valid cluster name'],
    [["--name", "orders", "--replicas", "3"], "Unknown option '--replicas'"],
    [["--name", "orders", "extra"], "extra"],
  ])("answers usage error %j with one line on stderr and code 2", (argv, message) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(stderr.endsWith("\n")).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("prints usage with --help", () => {
    const { code, stdout } = run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: etcd-responder example-cluster --name NAME/);
    expect(stdout).toContain("--workload deployment|statefulset");
  });
});

const exampleDir = fileURLToPath(new URL("../../deploy/examples/etcd-cluster/", import.meta.url));

describe("deploy/examples/etcd-cluster", () => {
  const generated = exampleClusterFiles({
    name: "example",
    members: 5,
    addressing: { kind: "service-dns" },
  });

  it("holds exactly the generated files, besides its README", () => {
    const files = readdirSync(exampleDir)
      .filter((f) => f !== "README.md")
      .sort();
    expect(files).toEqual(generated.map((f) => f.name).sort());
  });

  it.each(generated.map((f) => [f.name, f.content] as const))("%s equals a fresh generation", (name, content) => {
    expect(readFileSync(`${exampleDir}${name}`, "utf8")).toBe(content);
  });
});

const statefulSetDir = fileURLToPath(new URL("../../deploy/examples/etcd-statefulset/", import.meta.url));

describe("deploy/examples/etcd-statefulset", () => {
  const generated = exampleStatefulSetFiles({ name: "example", members: 3 });

  it("holds exactly the generated files, besides its README", () => {
    const files = readdirSync(statefulSetDir)
      .filter((f) => f !== "README.md")
      .sort();
    expect(files).toEqual(generated.map((f) => f.name).sort());
  });

  it.each(generated.map((f) => [f.name, f.content] as const))("%s equals a fresh generation", (name, content) => {
    expect(readFileSync(`${statefulSetDir}${name}`, "utf8")).toBe(content);
  });
});
