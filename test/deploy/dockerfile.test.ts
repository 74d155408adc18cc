import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { renderChart, type KubeObject, responderPodSpecs } from "../support/helm-chart.js";
import { repoRoot } from "../support/tools.js";

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage: its FROM line and what follows it. */
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages; ARGs before the first FROM fill `${VAR}` in FROM lines. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.split("\n").filter((line) => !/^\s*#/.test(line));
  const joined = lines.join("\n").replace(/\\\n/g, " ");
  const instructions = joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, " ") };
    });
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(" ");
      const from = image.replace(/\$\{(\w+)\}/g, (_, variable: string) => globalArgs.get(variable) ?? "");
      stages.push({ from, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === "ARG") {
      const [variable = "", value = ""] = instruction.args.split("=");
      globalArgs.set(variable, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The Node.js release `scripts/install-node.mjs` pins. */
function pinnedNodeVersion(): string {
  const script = readFileSync(join(repoRoot, "scripts/install-node.mjs"), "utf8");
  const version = /export const NODE_VERSION = "(\d+\.\d+\.\d+)";/.exec(script)?.[1];
  if (!version) throw new Error("scripts/install-node.mjs pins no NODE_VERSION");
  return version;
}

const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

/** Whether `.dockerignore` keeps `path` out of the build context (Docker's rules: last match wins, `!` re-includes). */
function ignored(patterns: string[], path: string): boolean {
  let excluded = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, "");
    const source = pattern
      .split("/")
      .map((part) =>
        part === "**"
          ? ".*"
          : part
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, "[^/]*")
              .replace(/\?/g, "[^/]"),
      )
      .join("/")
      .replace(/\.\*\//g, "(?:.*/)?");
    // A pattern that names a folder excludes everything in it.
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) excluded = !negated;
  }
  return excluded;
}

describe("Dockerfile", () => {
  const stages = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
  const deps = stages.find((stage) => stage.name === "deps")!;
  const build = stages.find((stage) => stage.name === "build")!;
  const runtime = stages.at(-1)!;
  let defaults: KubeObject[];
  let allMode: KubeObject[];

  beforeAll(async () => {
    [defaults, allMode] = await Promise.all([
      renderChart(),
      renderChart({ values: ["chart/ci/all-mode-values.yaml"] }),
    ]);
  });

  it("installs production dependencies, builds and runs in three stages, all on the pinned Node.js", () => {
    const image = `node:${pinnedNodeVersion()}-bookworm-slim`;
    expect(stages.map((stage) => stage.from)).toEqual([image, image, image]);
    expect(all(deps, "COPY")).toEqual(["package.json package-lock.json ./"]);
    expect(all(deps, "RUN").join(" && ")).toMatch(/^npm ci --omit=dev --workspaces=false\b/);
    const run = all(build, "RUN").join(" && ");
    expect(run).toMatch(/npm ci --workspaces=false\b/);
    expect(run).toMatch(/npm run build\b/);
  });

  it("names the same Node.js release as devEngines, and engines admits it", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      engines: { node: string };
      devEngines: { runtime: { name: string; version: string } };
    };
    const pinned = pinnedNodeVersion();
    expect(pkg.devEngines.runtime).toMatchObject({ name: "node", version: pinned });
    const [major] = pinned.split(".").map(Number);
    const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(minimum, "engines.node is a plain minimum").not.toBeNull();
    expect(Number(minimum![1])).toBeLessThanOrEqual(major!);
    // What the tests run on is what the image runs.
    expect(process.version).toBe(`v${pinned}`);
  });

  it("installs nothing in the runtime stage: it copies the build's dist, production node_modules, package.json", () => {
    expect(all(runtime, "RUN").join(" ")).not.toMatch(/\b(npm|yarn|pnpm)\s+(ci|install|i|add)\b/);
    const copies = all(runtime, "COPY");
    for (const [stage, path] of [
      [build, "/app/dist"],
      [deps, "/app/node_modules"],
      [deps, "/app/package.json"],
    ] as const) {
      expect(
        copies.some((c) => c.startsWith(`--from=${stage.name}`) && c.includes(path)),
        path,
      ).toBe(true);
    }
    expect(all(runtime, "ADD")).toEqual([]);
  });

  it("runs as the unprivileged uid 10001 in /app, with no HEALTHCHECK (Kubernetes probes instead)", () => {
    const user = last(runtime, "USER");
    expect(user).toBe("10001:10001");
    expect(last(runtime, "WORKDIR")).toBe("/app");
    expect(stages.flatMap((s) => all(s, "HEALTHCHECK"))).toEqual([]);
    expect(all(runtime, "EXPOSE").join(" ").split(" ").sort()).toEqual(["8080", "8081"]);
    const labels = all(runtime, "LABEL").join(" ");
    for (const label of ["title", "description", "licenses", "version", "revision", "source", "created"]) {
      expect(labels).toContain(`org.opencontainers.image.${label}=`);
    }
  });

  it("starts `node dist/cli.js` with V8 flags, by default `all --config /etc/etcd-responder/config.yaml`", () => {
    expect(JSON.parse(last(runtime, "ENTRYPOINT")!)).toEqual([
      "node",
      "--max-semi-space-size=4",
      "--heap-growing-percent=20",
      "--liftoff-only",
      "dist/cli.js",
    ]);
    expect(JSON.parse(last(runtime, "CMD")!)).toEqual(["all", "--config", "/etc/etcd-responder/config.yaml"]);
  });

  it("passes Node.js only flags that the project's Node.js (the image's major) accepts", () => {
    const flags = (JSON.parse(last(runtime, "ENTRYPOINT")!) as string[]).filter((word) => word.startsWith("-"));
    // Node.js refuses a V8 flag it does not know ("bad option", exit 9) instead of ignoring it.
    const result = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("is run by the chart with the entrypoint commands; the config path is where the chart mounts config.yaml", () => {
    const [, , defaultConfig] = JSON.parse(last(runtime, "CMD")!) as string[];
    const pods = [...responderPodSpecs(defaults), ...responderPodSpecs(allMode)];
    expect(pods.map((p) => p.component).sort()).toEqual(["all", "receiver", "worker"]);
    for (const pod of pods) {
      const container = pod.spec.containers[0]!;
      // No `command`: the image's ENTRYPOINT runs, the chart passes the command and its flags.
      expect(container.command, pod.owner).toBeUndefined();
      const expected = { receiver: "serve", worker: "worker", all: "all" }[
        pod.component as "receiver" | "worker" | "all"
      ];
      expect(container.args, pod.owner).toEqual([expected, "--config", defaultConfig]);
      const mount = container.volumeMounts?.find((m) => defaultConfig!.startsWith(`${m.mountPath}/`));
      expect(mount, pod.owner).toBeDefined();
      const volume = pod.spec.volumes?.find((v) => v.name === mount!.name) as unknown as {
        projected: { sources: { configMap?: { items: { key: string; path: string }[] } }[] };
      };
      const fileInVolume = defaultConfig!.slice(mount!.mountPath.length + 1);
      expect(volume.projected.sources.find((s) => s.configMap)?.configMap?.items).toEqual([
        { key: "config.yaml", path: fileInVolume },
      ]);
    }
  });
});

describe(".dockerignore", () => {
  const patterns = readFileSync(join(repoRoot, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));

  it("keeps tests, git history, local tools, state and every key or certificate out of the build context", () => {
    for (const path of [
      "test",
      "test/chart/render.test.ts",
      ".git",
      ".git/config",
      "node_modules/x/index.js",
      "dist/cli.js",
      "bench/run.ts",
      ".tools/bin/helm",
      "coverage/index.html",
      "packages/kube-sandbox/src/index.ts",
      ".env",
      ".env.local",
      ".sandbox-demo/kubeconfig",
      "server.key",
      "certs/etcd/client.key",
      "ca.pem",
      "deep/path/tls.crt",
    ]) {
      expect(ignored(patterns, path), path).toBe(true);
    }
  });

  it("lets in what the build needs", () => {
    const needed = ["package.json", "package-lock.json", "tsconfig.base.json", "tsconfig.json", "tsconfig.build.json"];
    for (const path of [...needed, "src/cli.ts", "src/gateways/kubernetes/required-permissions.ts"]) {
      expect(ignored(patterns, path), path).toBe(false);
    }
  });
});
