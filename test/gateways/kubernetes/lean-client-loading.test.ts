import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_TYPESCRIPT, repoRoot } from "../../support/tools.js";

const run = promisify(execFile);

interface LoadedModules {
  clientNodeModules: number;
  generatedIndex: boolean;
  allGroupsModule: boolean;
  standIn: boolean;
  currentCluster?: string;
}

// A process of its own for each way of loading: the lean loading changes module resolution for the whole process.
describe("loading the Kubernetes client lean", () => {
  let folder: string;
  const load = async (mode: "lean" | "whole"): Promise<LoadedModules> => {
    const script = join(repoRoot, "test/support/kubernetes-client-modules.ts");
    const { stdout } = await run(process.execPath, [...RUN_TYPESCRIPT, script, mode], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: join(folder, "kubeconfig") },
    });
    return JSON.parse(stdout) as LoadedModules;
  };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "lean-client-"));
    const kubeConfig = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    };
    await writeFile(join(folder, "kubeconfig"), JSON.stringify(kubeConfig));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("builds the gateway from a kubeconfig without the generated index or the module of every API group", async () => {
    const lean = await load("lean");
    expect(lean).toMatchObject({ generatedIndex: false, allGroupsModule: false, standIn: true });
    expect(lean.currentCluster).toBe("https://127.0.0.1:6443");

    // The same probe without the lean loading sees both, and several hundred modules more.
    const whole = await load("whole");
    expect(whole).toMatchObject({ generatedIndex: true, allGroupsModule: true, standIn: false });
    expect(whole.clientNodeModules - lean.clientNodeModules).toBeGreaterThan(50);
  });
});
