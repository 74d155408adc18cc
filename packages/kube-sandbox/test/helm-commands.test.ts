import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../src/index.js";
import { helm, triedCommands } from "./support.js";

/** The chart `demo`: its files, by path. */
const CHART: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
  "values.yaml": "level: info\ntypo: false\n",
  "templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  level: {{ .Values.level | quote }}
{{- if .Values.typo }}
dta:
  misspelled: data
{{- end }}
`,
  "templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector: { matchLabels: { app: {{ .Release.Name }} } }
  template:
    metadata: { labels: { app: {{ .Release.Name }} } }
    spec:
      containers: [{ name: main, image: busybox, command: [sleep, "3600"] }]
`,
  "templates/tests/settings.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: { "helm.sh/hook": test }
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: busybox
      command: [sh, -c, 'test "$LEVEL" = {{ .Values.level }}']
      env:
        - name: LEVEL
          valueFrom: { configMapKeyRef: { name: {{ .Release.Name }}-settings, key: level } }
`,
};

describe("the README's table of helm commands", () => {
  let dir: string;
  let sandbox: Sandbox;
  const rows = triedCommands("helm");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-helm-"));
    for (const [path, text] of Object.entries(CHART)) {
      await mkdir(join(dir, "chart", path, ".."), { recursive: true });
      await writeFile(join(dir, "chart", path), text);
    }
    sandbox = await startSandbox({ dir: join(dir, "sandbox") });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists install, test, upgrade, rollback and uninstall, and a command that fails", () => {
    const verbs = new Set(rows.map((row) => row.args[0]));
    for (const verb of ["install", "test", "upgrade", "rollback", "uninstall"]) expect(verbs).toContain(verb);
    expect(rows.some((row) => !row.works)).toBe(true);
  });

  it("says truly which commands work", async () => {
    const wrong: string[] = [];
    for (const row of rows) {
      const run = await helm(sandbox.kubeconfig, dir, row.args);
      if ((run.code === 0) !== row.works) wrong.push(`${row.line} exited ${run.code}: ${run.stderr.trim()}`);
      // The rollback brings revision 1's values back.
      const level = (sandbox.store.get("configmaps", "default", "demo-settings")?.data as { level?: string })?.level;
      if (row.args[0] === "rollback" && level !== "info") wrong.push(`${row.line} left level ${level}`);
    }
    expect(wrong).toEqual([]);
    // The uninstall left no release Secret and nothing of the chart.
    expect(sandbox.store.list("secrets", "default").filter((s) => s.type === "helm.sh/release.v1")).toEqual([]);
    expect(sandbox.store.get("configmaps", "default", "demo-settings")).toBeUndefined();
    expect(sandbox.store.get("deployments.apps", "default", "demo")).toBeUndefined();
  }, 240_000);
});
