import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindSchemas } from "../src/api/openapi/schemas.js";
import { pruneUnknownFields } from "../src/api/openapi/unknown-fields.js";
import type { ManagedFieldsEntry } from "../src/api/patch/managed-fields.js";
import { isReview, RESOURCE_TYPES, resourceKey } from "../src/api/resource-catalog.js";
import { startSandbox, type Sandbox } from "../src/index.js";
import { kubectl, localGet, startPortForward, triedCommands } from "./support.js";

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
---
apiVersion: v1
kind: Pod
metadata: { name: store, labels: { app: store } }
spec:
  containers:
    - name: etcd
      image: quay.io/coreos/etcd:v3.5.17
      command: [etcd]
      args:
        - --data-dir=/var/lib/store/data
        - --listen-client-urls=http://$(POD_IP):2379
        - --advertise-client-urls=http://$(POD_IP):2379
        - --listen-peer-urls=http://$(POD_IP):2380
        - --initial-advertise-peer-urls=http://$(POD_IP):2380
        - --initial-cluster=default=http://$(POD_IP):2380
      env: [{ name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]
      volumeMounts: [{ name: data, mountPath: /var/lib/store }]
      readinessProbe: { httpGet: { path: /health, port: 2379 }, periodSeconds: 1 }
  volumes: [{ name: data, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: store }
spec:
  selector: { app: store }
  ports: [{ name: client, port: 2379 }]
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

/** Files the rows name, written to the sandbox's folder. */
const FILES: Record<string, string> = {
  "fixture.yaml": FIXTURE,
  "misspelled.yaml": MISSPELLED,
  "ssa.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: applied }\ndata: { level: info, mode: fast }\n",
  "ssa-changed.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: applied }\ndata: { level: debug, mode: fast }\n",
};

/**
 * `kubectl port-forward` runs until stopped: it works when it listens and etcd's `/health` answers through it.
 * Returns what went wrong, or undefined.
 */
async function tryPortForward(kubeconfig: string, args: string[]): Promise<string | undefined> {
  let forward;
  try {
    forward = await startPortForward(kubeconfig, args);
    const answer = await localGet(forward.port, "/health");
    if (answer.status !== 200 || !answer.body.includes('"health":"true"')) {
      return `answered ${answer.status}: ${answer.body}`;
    }
    return undefined;
  } catch (error) {
    return `${(error as Error).message}${forward ? `; kubectl printed: ${forward.output()}` : ""}`;
  } finally {
    await forward?.stop();
  }
}

describe("the README's table of kubectl commands", () => {
  let dir: string;
  let sandbox: Sandbox;
  const rows = triedCommands("kubectl");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-kubectl-"));
    sandbox = await startSandbox({ dir });
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
    const applied = await kubectl(sandbox.kubeconfig, "apply", "-f", join(dir, "fixture.yaml"));
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(sandbox.kubeconfig, "rollout", "status", "deployment/web", "--timeout=30s");
    expect(ready.code, ready.stderr).toBe(0);
    const serving = await kubectl(sandbox.kubeconfig, "wait", "--for=condition=Ready", "pod/store", "--timeout=30s");
    expect(serving.code, serving.stderr).toBe(0);
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
      const args = row.args.map((arg) => (FILES[arg] !== undefined ? join(dir, arg) : arg));
      if (args[0] === "port-forward") {
        const failure = await tryPortForward(sandbox.kubeconfig, args.slice(1));
        if ((failure === undefined) !== row.works) wrong.push(`${row.line}: ${failure ?? "worked"}`);
        continue;
      }
      const run = await kubectl(sandbox.kubeconfig, ...args);
      if ((run.code === 0) !== row.works) wrong.push(`${row.line} exited ${run.code}: ${run.stderr.trim()}`);
    }
    expect(wrong).toEqual([]);
  });

  it("leaves the managedFields the server-side apply rows describe", () => {
    const configMaps = sandbox.store.list(resourceKey(RESOURCE_TYPES.find((t) => t.kind === "ConfigMap")!));
    const managed = configMaps.find((obj) => obj.metadata.name === "applied")?.metadata.managedFields;
    const entries = ((managed ?? []) as ManagedFieldsEntry[]).map((entry) => ({
      manager: entry.manager,
      operation: entry.operation,
      fields: entry.fieldsV1,
    }));
    // `other` took `.data.level` over with --force-conflicts; `.data.mode`, applied alike by both, is shared.
    expect(entries).toEqual(
      expect.arrayContaining([
        { manager: "kubectl", operation: "Apply", fields: { "f:data": { "f:mode": {} } } },
        { manager: "other", operation: "Apply", fields: { "f:data": { "f:level": {}, "f:mode": {} } } },
      ]),
    );
    expect(entries).toHaveLength(2);
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
