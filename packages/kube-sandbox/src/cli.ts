#!/usr/bin/env node
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "./logger.js";
import { startSandbox, writeFileAtomic } from "./sandbox.js";
import { ImageCatalogFileError, loadImageCatalogFile } from "./images/catalog-file.js";
import type { ImageEntry } from "./images/image-catalog.js";
import { isIsolationMode, type IsolationMode } from "./node/pod-networking.js";

const USAGE =
  "kube-sandbox --dir DIR [--namespace NS] [--backoff-ms MS] [--images FILE ...] [--isolation MODE]\n" +
  "  runs a local Kubernetes-compatible cluster in the foreground until SIGINT or SIGTERM;\n" +
  "  --images: a YAML or JSON file of images the Pods can run, besides the built-in ones;\n" +
  "  --isolation: auto (default), namespaces (each Pod its own, root only) or loopback (host processes)";

/** A command line that cannot be run; the process exits 2 with its message. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

interface CliOptions {
  dir: string;
  namespace: string;
  backoffMs: number;
  images: ImageEntry[];
  isolation: IsolationMode;
}

function parseCommandLine(argv: string[]): CliOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dir: { type: "string" },
        namespace: { type: "string" },
        "backoff-ms": { type: "string" },
        images: { type: "string", multiple: true },
        isolation: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  if (!values.dir) throw new UsageError("--dir is required");
  const namespace = values.namespace ?? "default";
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new UsageError(`--namespace must be a DNS-1123 label, got "${namespace}"`);
  }
  const backoffText = values["backoff-ms"] ?? "1000";
  const backoffMs = Number(backoffText);
  if (!/^\d+$/.test(backoffText) || backoffMs < 10 || backoffMs > 600_000) {
    throw new UsageError(`--backoff-ms must be a whole number from 10 to 600000, got "${backoffText}"`);
  }
  const isolation = values.isolation ?? "auto";
  if (!isIsolationMode(isolation)) {
    throw new UsageError(`--isolation must be auto, namespaces or loopback, got "${isolation}"`);
  }
  return {
    isolation,
    dir: values.dir,
    namespace,
    backoffMs,
    images: (values.images ?? []).flatMap((file) => loadImageCatalogFile(file)),
  };
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof ImageCatalogFileError) {
      process.stderr.write(`kube-sandbox: --images ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`kube-sandbox: ${error.message}\nusage: ${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const sandbox = await startSandbox({
    dir: options.dir,
    namespace: options.namespace,
    backoffMs: options.backoffMs,
    images: options.images,
    isolation: options.isolation,
    logger,
  });
  const infoFile = join(options.dir, "sandbox.json");
  const info = {
    kubeconfig: sandbox.kubeconfig,
    apiServer: sandbox.apiServer,
    metricsURL: sandbox.metricsURL,
    dnsServer: `${sandbox.dns.host}:${sandbox.dns.port}`,
    isolation: sandbox.isolation,
    ...(sandbox.podNetwork && { podNetwork: sandbox.podNetwork }),
  };
  await writeFileAtomic(infoFile, `${JSON.stringify({ ...info, caFile: sandbox.caFile }, null, 2)}\n`);
  logger.info(info, `sandbox ready: export KUBECONFIG=${sandbox.kubeconfig}`);
  logger.info({ signal: await signal }, "sandbox stopping");
  await rm(infoFile, { force: true });
  await sandbox.stop();
  logger.info("sandbox stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`kube-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
