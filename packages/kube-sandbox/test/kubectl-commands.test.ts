import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindSchemas } from "../src/api/openapi/schemas.js";
import { pruneUnknownFields } from "../src/api/openapi/unknown-fields.js";
import { isReview, RESOURCE_TYPES, resourceKey } from "../src/api/resource-catalog.js";
import { startSandbox, type Sandbox } from "../src/index.js";
import { kubectl } from "./support.js";

/** A row of the README's "kubectl, tried" table: the command and whether it must exit 0. */
interface TriedCommand {
  args: string[];
  works: boolean;
  line: string;
}

/** The rows of the README's table, in order. */
function triedCommands(): TriedCommand[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split("## kubectl, tried")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .map((line) => line.match(/^\| `kubectl ([^`]+)` \| (works|fails) \|/))
    .filter((match): match is RegExpMatchArray => match !== null)
    .map((match) => ({ args: match[1]!.split(/\s+/), works: match[2] === "works", line: match[0] }));
}

const FIXTURE = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: main, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80 }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { level: debug }
`;

/** A Deployment with a misspelled field (`replcas`): refused, as kube-apiserver refuses it. */
const MISSPELLED = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: misspelled }
spec:
  replcas: 1
  selector: { matchLabels: { app: misspelled } }
  template:
    metadata: { labels: { app: misspelled } }
    spec:
      containers: [{ name: main, image: busybox, command: [sleep, "3600"] }]
`;

describe("the README's table of kubectl commands", () => {
  let dir: string;
  let sandbox: Sandbox;
  const rows = triedCommands();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-kubectl-"));
    sandbox = await startSandbox({ dir });
    await writeFile(join(dir, "fixture.yaml"), FIXTURE);
    await writeFile(join(dir, "misspelled.yaml"), MISSPELLED);
    const applied = await kubectl(sandbox.kubeconfig, "apply", "-f", join(dir, "fixture.yaml"));
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(sandbox.kubeconfig, "rollout", "status", "deployment/web", "--timeout=30s");
    expect(ready.code, ready.stderr).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists commands, some that fail", () => {
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((row) => !row.works)).toBe(true);
  });

  it("says truly which commands work", async () => {
    const wrong: string[] = [];
    for (const row of rows) {
      const args = row.args.map((arg) => (arg.endsWith(".yaml") ? join(dir, arg) : arg));
      const run = await kubectl(sandbox.kubeconfig, ...args);
      if ((run.code === 0) !== row.works) wrong.push(`${row.line} exited ${run.code}: ${run.stderr.trim()}`);
    }
    expect(wrong).toEqual([]);
  });

  it("stores only fields the OpenAPI schemas know, in what its controllers and kubelet write too", () => {
    const { schemas, rootOf } = kindSchemas();
    const unknown: string[] = [];
    for (const t of RESOURCE_TYPES) {
      if (isReview(t)) continue;
      for (const obj of sandbox.store.list(resourceKey(t))) {
        const fields = pruneUnknownFields(schemas, rootOf.get(t)!, structuredClone(obj));
        if (fields.length > 0) unknown.push(`${t.kind} ${obj.metadata.name}: ${fields.join(", ")}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
