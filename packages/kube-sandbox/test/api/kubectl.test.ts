import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { kubectlPath } from "../support.js";
import { startHarness, type ApiHarness } from "./api-harness.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pod(name: string, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "etcd" } },
    spec: { containers: [{ name: "etcd", image: "etcd:3.4" }], nodeName: "sandbox" },
    status,
  };
}

const DEPLOYMENT = (replicas: number, image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: member
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: member}
  template:
    metadata:
      labels: {app: member}
    spec:
      containers:
      - name: etcd
        image: ${image}
        env:
        - {name: ETCD_NAME, value: member}
`;

describe("API server with kubectl 1.32", () => {
  let harness: ApiHarness;
  let dir: string;

  const kubectl = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        kubectlPath,
        ["--kubeconfig", harness.kubeconfigPath, ...args],
        { timeout: 20_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    harness = await startHarness();
    dir = await mkdtemp(join(tmpdir(), "kubectl-test-"));
    const restartedAt = new Date(Date.now() - 30_000).toISOString();
    harness.store.create(
      "pods",
      pod("etcd-crashing", {
        phase: "Running",
        podIP: "10.0.0.7",
        containerStatuses: [
          {
            name: "etcd",
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: restartedAt } },
          },
        ],
      }),
    );
    harness.store.create(
      "pods",
      pod("etcd-healthy", {
        phase: "Running",
        podIP: "10.0.0.8",
        containerStatuses: [
          { name: "etcd", ready: true, restartCount: 0, state: { running: { startedAt: restartedAt } } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints pods as a table, with the crash-looping one's reason and restarts", async () => {
    const run = await kubectl("get", "pods");
    expect(run.stderr).toBe("");
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines[1]).toMatch(/^etcd-crashing\s+0\/1\s+CrashLoopBackOff\s+5 \(3\ds ago\)\s+\d+s$/);
    expect(lines[2]).toMatch(/^etcd-healthy\s+1\/1\s+Running\s+0\s+\d+s$/);

    const wide = await kubectl(
      "get",
      "pods",
      "-o",
      "wide",
      "-l",
      "app=etcd",
      "--field-selector",
      "metadata.name=etcd-healthy",
    );
    expect(wide.stdout).toMatch(/IP\s+NODE/);
    expect(wide.stdout).toMatch(/etcd-healthy\s+1\/1\s+Running\s+0\s+\d+s\s+10\.0\.0\.8\s+sandbox/);
    expect(wide.stdout).not.toContain("etcd-crashing");
  });

  it("prints one pod as JSON", async () => {
    const run = await kubectl("get", "pod", "etcd-healthy", "-o", "json");
    const obj = JSON.parse(run.stdout) as KubeObject;
    expect(obj.kind).toBe("Pod");
    expect(obj.metadata.name).toBe("etcd-healthy");
    expect(obj.status).toMatchObject({ podIP: "10.0.0.8" });
  });

  it("applies, re-applies, scales, lists and deletes a Deployment", async () => {
    const file = join(dir, "deployment.yaml");
    await writeFile(file, DEPLOYMENT(3, "etcd:3.4"));
    const created = await kubectl("apply", "-f", file);
    expect(created.stdout.trim()).toBe("deployment.apps/member created");

    await writeFile(file, DEPLOYMENT(2, "etcd:3.5"));
    const changed = await kubectl("apply", "-f", file);
    expect(changed.stdout.trim()).toBe("deployment.apps/member configured");
    const stored = harness.store.get("deployments.apps", "default", "member")!;
    const template = stored.spec as {
      replicas: number;
      template: { spec: { containers: { image: string; env: unknown[] }[] } };
    };
    expect(template.replicas).toBe(2);
    expect(template.template.spec.containers).toHaveLength(1);
    expect(template.template.spec.containers[0]).toMatchObject({
      image: "etcd:3.5",
      env: [{ name: "ETCD_NAME", value: "member" }],
    });
    expect(stored.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toContain("etcd:3.5");

    const list = await kubectl("get", "deployments");
    expect(list.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nmember\s+0\/2\s+0\s+0\s+\d+s\n$/);

    const scaled = await kubectl("scale", "deployment", "member", "--replicas=0");
    expect(scaled.stdout.trim()).toBe("deployment.apps/member scaled");
    expect((harness.store.get("deployments.apps", "default", "member")!.spec as { replicas: number }).replicas).toBe(0);

    const deleted = await kubectl("delete", "deployment", "member");
    expect(deleted.stdout.trim()).toBe('deployment.apps "member" deleted');
    expect(harness.store.get("deployments.apps", "default", "member")).toBeUndefined();
    const missing = await kubectl("get", "deployment", "member");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deployments.apps "member" not found');
  });

  it("validates with the server: a misspelled field is refused as kube-apiserver refuses it", async () => {
    const file = join(dir, "misspelled.yaml");
    await writeFile(
      file,
      DEPLOYMENT(1, "etcd:3.5").replace("name: member", "name: typo").replace("replicas:", "replcas:"),
    );
    const refused = await kubectl("apply", "-f", file);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be ` +
        'handled as a Deployment: strict decoding error: unknown field "spec.replcas"',
    );
    const dryRun = await kubectl("apply", "--dry-run=server", "-f", file);
    expect(dryRun.code).toBe(1);
    const warned = await kubectl("create", "--validate=warn", "--dry-run=server", "-f", file);
    expect([warned.code, warned.stderr.trim()]).toEqual([0, 'Warning: unknown field "spec.replcas"']);
    expect(harness.store.get("deployments.apps", "default", "typo")).toBeUndefined();
  });

  it("explains kinds and fields from the OpenAPI v3 schemas", async () => {
    const pods = await kubectl("explain", "pods");
    expect(pods.stdout).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
    expect(pods.stdout).toContain("Pod is a collection of containers that can run on a host.");
    const replicas = await kubectl("explain", "deployment.spec.replicas");
    expect(replicas.stdout).toMatch(/GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: replicas <integer>/);
    const v2 = await kubectl("explain", "deployment.spec.replicas", "--output=plaintext-openapiv2");
    expect(v2.stdout).toMatch(/^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nFIELD:\s+replicas <integer>/);
    const wrong = await kubectl("explain", "deployment.spec.replcas");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('field "replcas" does not exist');
  });

  it("shows the current and previous logs of a pod", async () => {
    const current = await kubectl("logs", "etcd-crashing");
    expect(current.stdout).toBe("etcd: current line 1\netcd: current line 2\netcd: current line 3\n");
    const previous = await kubectl("logs", "etcd-crashing", "--previous", "--tail=1");
    expect(previous.stdout).toBe("etcd: previous run line 2\n");
  });

  it("runs a command in a pod and passes on its output and exit code", async () => {
    const run = await kubectl("exec", "etcd-healthy", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("out\n");
    expect(run.stderr).toContain("err\n");
    expect(run.stderr).toContain("command terminated with exit code 3");

    const ok = await kubectl("exec", "etcd-healthy", "-c", "etcd", "--", "true");
    expect(ok).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("feeds stdin to a command with exec -i", async () => {
    const run = await new Promise<Run>((resolve) => {
      const child = execFile(
        kubectlPath,
        ["--kubeconfig", harness.kubeconfigPath, "exec", "-i", "etcd-healthy", "--", "sh", "-c", "tr a-z A-Z"],
        { timeout: 20_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
      child.stdin!.end("quorum\n");
    });
    expect(run).toEqual({ code: 0, stdout: "QUORUM\n", stderr: "" });
  });

  it("streams table rows with get -w", async () => {
    const child = spawn(kubectlPath, ["--kubeconfig", harness.kubeconfigPath, "get", "configmaps", "-w"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      const seen = (pattern: RegExp, what: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${what} in kubectl get -w output: ${output}`)), 10_000);
          const check = () => {
            if (!pattern.test(output)) return;
            clearTimeout(timer);
            child.stdout.off("data", onData);
            resolve();
          };
          const onData = (chunk: Buffer) => {
            output += chunk.toString();
            check();
          };
          child.stdout.on("data", onData);
          check();
        });
      harness.store.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "first", namespace: "default" },
      });
      await seen(/first/, "initial row");
      harness.store.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "watched", namespace: "default" },
        data: { a: "1" },
      });
      await seen(/watched\s+1\s+\d+s/, "row for the new ConfigMap");
      expect(output.match(/NAME/g)).toHaveLength(1);
    } finally {
      child.kill();
    }
  });
});
