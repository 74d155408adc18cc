import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helm as runHelm } from "../support.js";
import { startHarness, type ApiHarness } from "./api-harness.js";

const TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  level: {{ .Values.level | quote }}
{{- if .Values.typo }}
dta:
  misspelled: data
{{- end }}
`;

describe("API server with helm", () => {
  let harness: ApiHarness;
  let dir: string;
  const helm = (...args: string[]) => runHelm(harness.kubeconfigPath, dir, args, 30_000);

  beforeAll(async () => {
    harness = await startHarness();
    dir = await mkdtemp(join(tmpdir(), "helm-test-"));
    await mkdir(join(dir, "chart", "templates"), { recursive: true });
    await writeFile(join(dir, "chart", "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
    await writeFile(join(dir, "chart", "values.yaml"), "level: info\n");
    await writeFile(join(dir, "chart", "templates", "configmap.yaml"), TEMPLATE);
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs, upgrades and uninstalls a release (release Secrets arrive as protobuf)", async () => {
    const chart = join(dir, "chart");
    // Helm validates: OpenAPI v3 tells it the server checks fields.
    const install = await helm("install", "demo", chart);
    expect(install.stderr).toBe("");
    expect(harness.store.get("configmaps", "default", "demo-settings")?.data).toEqual({ level: "info" });
    const release = harness.store.get("secrets", "default", "sh.helm.release.v1.demo.v1");
    expect(release?.type).toBe("helm.sh/release.v1");
    expect(release?.metadata.labels).toMatchObject({ owner: "helm", name: "demo", status: "deployed" });

    const upgrade = await helm("upgrade", "demo", chart, "--set", "level=debug");
    expect(upgrade.code).toBe(0);
    expect(harness.store.get("configmaps", "default", "demo-settings")?.data).toEqual({ level: "debug" });
    expect((await helm("list", "-o", "json")).stdout).toContain('"revision":"2"');

    // A misspelled field: as on a 1.32 cluster, helm sends no fieldValidation, so the server's default (Warn)
    // drops the field and warns; helm prints the warning and succeeds.
    const typo = await helm("upgrade", "demo", chart, "--set", "typo=true");
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stderr).toContain('unknown field "dta"');
    expect(harness.store.get("configmaps", "default", "demo-settings")).not.toHaveProperty("dta");

    const uninstall = await helm("uninstall", "demo");
    expect(uninstall.stdout).toContain('release "demo" uninstalled');
    expect(harness.store.list("secrets", "default")).toEqual([]);
    expect(harness.store.get("configmaps", "default", "demo-settings")).toBeUndefined();
  });
});
