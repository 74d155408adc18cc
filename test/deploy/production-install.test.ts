import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/tools.js";

// The image is built where Docker runs, which is not here: this test makes the image's production install
// (the Dockerfile's `deps` stage, run as written) and its build in a temporary folder, and checks what they hold.

/** Packages only the sandbox (a development tool) needs; none may reach the image. */
const SANDBOX_ONLY = ["kube-sandbox", "@peculiar/x509", "reflect-metadata"];

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  // The pinned Node.js runs npm, as in the image.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 180_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The `RUN` of the Dockerfile's `deps` stage, continuation lines joined. */
async function productionInstallCommand(): Promise<string> {
  const dockerfile = (await readFile(join(repoRoot, "Dockerfile"), "utf8")).replace(/\\\n/g, " ");
  const stage = dockerfile.split(/^FROM /m).find((part) => /^\S+ AS deps\b/.test(part));
  const command = stage?.match(/^RUN (.+)$/m)?.[1]?.trim();
  if (!command) throw new Error("the Dockerfile has no deps stage with a RUN");
  return command;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe("the image's production install and build", () => {
  let dir: string;
  let install: { command: string; code: number; output: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "production-install-"));
    // What the deps stage copies, and nothing else: no packages/ folder.
    await cp(join(repoRoot, "package.json"), join(dir, "package.json"));
    await cp(join(repoRoot, "package-lock.json"), join(dir, "package-lock.json"));
    const command = await productionInstallCommand();
    install = { command, ...(await run("sh", ["-c", command], dir)) };
  }, 240_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs every production dependency and nothing only the sandbox needs", async () => {
    expect(install.code, `${install.command}\n${install.output}`).toBe(0);
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of Object.keys(pkg.dependencies)) {
      expect(existsSync(join(dir, "node_modules", name, "package.json")), name).toBe(true);
    }
    for (const name of [...SANDBOX_ONLY, "typescript", "vitest"]) {
      expect(existsSync(join(dir, "node_modules", name)), name).toBe(false);
    }
    // The sandbox's packages stay development dependencies; ws comes with the Kubernetes client, not from us.
    expect(Object.keys(pkg.dependencies)).not.toContain("ws");
    expect(pkg.devDependencies["kube-sandbox"]).toBeDefined();
  });

  it("builds a dist/ without sandbox code that runs on the production install alone", async () => {
    const dist = join(dir, "dist");
    const build = await run(
      join(repoRoot, "node_modules/.bin/tsc"),
      ["-p", join(repoRoot, "tsconfig.build.json"), "--outDir", dist],
      repoRoot,
    );
    expect(build.code, build.output).toBe(0);
    const files = await filesUnder(dist);
    expect(files).toContain("cli.js");
    expect(files.filter((file) => /sandbox/i.test(file))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      expect(await readFile(join(dist, file), "utf8"), file).not.toMatch(/from "kube-sandbox"/);
    }
    const help = await run(process.execPath, [join(dist, "cli.js"), "--help"], dir);
    expect(help.code, help.output).toBe(0);
    expect(help.output).toMatch(/etcd-responder recover --config FILE/);
  });
});
