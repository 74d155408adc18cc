import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "../../../src/core/errors.js";
import { loadKubeConfig } from "../../../src/gateways/kubernetes/kube-config.js";
import { checkKubeConfig } from "../../../src/gateways/kubernetes/kube-config-check.js";
import { tokenKubeconfig } from "../../support/token-kubeconfig.js";

const repoRoot = join(import.meta.dirname, "../../..");

const kubeconfig = (overrides: Record<string, unknown> = {}) => tokenKubeconfig("https://127.0.0.1:6443", overrides);

describe("loadKubeConfig", () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "load-kube-config-"));
    await writeFile(file("good"), kubeconfig());
    await writeFile(
      file("other"),
      kubeconfig({
        clusters: [{ name: "d", cluster: { server: "https://127.0.0.2:6443" } }],
        users: [{ name: "v", user: { token: "t" } }],
        contexts: [{ name: "y", context: { cluster: "d", user: "v" } }],
        "current-context": "y",
      }),
    );
    await writeFile(
      file("other-context"),
      stringify({
        apiVersion: "v1",
        kind: "Config",
        contexts: [{ name: "z", context: { cluster: "c", user: "u" } }],
        "current-context": "z",
      }),
    );
    await writeFile(file("empty"), "");
    await writeFile(file("garbage"), "clusters: [\n");
    await writeFile(file("no-context"), kubeconfig({ "current-context": undefined }));
    await writeFile(file("dangling"), kubeconfig({ "current-context": "gone" }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fromEnv = (KUBECONFIG: string) => () => loadKubeConfig({ env: { KUBECONFIG }, exists: () => false });

  it("loads KUBECONFIG, merging further files into the first", () => {
    const both = `${file("good")}:${file("other")}`;
    expect(checkKubeConfig({ env: { KUBECONFIG: both }, exists: () => false })).toBe(`KUBECONFIG=${both}`);
    // The current context may name a cluster that only a later file lists.
    const later = `${file("other-context")}:${file("good")}`;
    expect(checkKubeConfig({ env: { KUBECONFIG: later }, exists: () => false })).toBe(`KUBECONFIG=${later}`);
    expect(loadKubeConfig({ env: { KUBECONFIG: later }, exists: () => false }).getCurrentCluster()?.name).toBe("c");
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${file("good")}:${file("other")}` }, exists: () => false });
    expect(kc.getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
    expect(
      kc
        .getClusters()
        .map((c) => c.name)
        .sort(),
    ).toEqual(["c", "d"]);
  });

  it("says which file is wrong and how, as a ConfigError, in the same words with the client or without it", () => {
    const cases: [string, string][] = [
      [file("missing"), `KUBECONFIG=${file("missing")}: no such file`],
      [file("empty"), `KUBECONFIG=${file("empty")}: the file is empty or is not a kubeconfig`],
      [file("garbage"), `KUBECONFIG=${file("garbage")}: not valid YAML: `],
      [
        file("no-context"),
        `KUBECONFIG=${file("no-context")}: current-context: ` +
          "no current context: set current-context to one of the contexts",
      ],
      [file("dangling"), `KUBECONFIG=${file("dangling")}: current-context: context "gone" names no listed cluster`],
    ];
    for (const [path, message] of cases) {
      const checked = () => checkKubeConfig({ env: { KUBECONFIG: path }, exists: () => false });
      expect(checked).toThrow(ConfigError);
      expect(checked).toThrow(message);
      expect(fromEnv(path)).toThrow(ConfigError);
      expect(fromEnv(path)).toThrow(message);
    }
  });

  it("reads ~/.kube/config when KUBECONFIG is unset, and refuses when there is no configuration at all", async () => {
    const home = join(dir, "home");
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(join(home, ".kube", "config"), kubeconfig());
    expect(loadKubeConfig({ env: {}, home }).getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");

    const none = () => loadKubeConfig({ env: {}, home: join(dir, "nobody"), exists: () => false });
    expect(none).toThrow(ConfigError);
    expect(none).toThrow(
      "Kubernetes: no configuration found: " +
        "set KUBECONFIG, put one at ~/.kube/config, or run in a Pod with a service account",
    );
  });
});

describe("a service started with a bad kubeconfig", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bad-kubeconfig-"));
    await writeFile(
      join(dir, "responder.yaml"),
      stringify({ clusters: [{ name: "example", namespace: "default", members: 3 }] }),
    );
    await writeFile(join(dir, "kubeconfig"), "");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const commands: [string, string[], string][] = [
    ["serve", [], "cannot start: "],
    ["worker", [], "cannot start: "],
    ["recover", ["--cluster", "example", "--member", "1"], ""],
  ];
  it.each(commands)("%s exits 2 with one line naming the file", (command, args, prefix) => {
    const result = spawnSync(
      process.execPath,
      [join(repoRoot, "dist/cli.js"), command, "--config", join(dir, "responder.yaml"), ...args],
      {
        env: { ...process.env, KUBECONFIG: join(dir, "kubeconfig"), AUTH_TOKEN: "t", REDIS_URL: "redis://127.0.0.1:1" },
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      `etcd-responder ${command}: ${prefix}KUBECONFIG=${join(dir, "kubeconfig")}: ` +
        "the file is empty or is not a kubeconfig",
    ]);
  });
});
