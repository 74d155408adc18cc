import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EtcdSandboxOptions, SandboxInfo } from "./etcd-sandbox.js";
import { repoRoot, RUN_TYPESCRIPT } from "./tools.js";

/** A sandbox running as its own process, as a user starts it. */
export interface SandboxProcess {
  info: SandboxInfo;
  dir: string;
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, wait for it to exit (SIGKILL after the deadline), remove its folder. Safe to call twice. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * The etcd sandbox's options, as `scripts/sandbox.ts` flags (the CrashLoopBackOff delay defaults to 500 ms, the
 * isolation to `loopback`, or to `namespaces` for the StatefulSet workload, which needs it).
 */
export type SandboxProcessOptions = Omit<EtcdSandboxOptions, "dir" | "logger">;

/** Starts the etcd sandbox (`scripts/sandbox.ts`) from the sources and resolves once it printed `sandbox ready`. */
export async function startSandboxProcess(options: SandboxProcessOptions = {}): Promise<SandboxProcess> {
  const dir = await mkdtemp(join(tmpdir(), "etcd-responder-sandbox-"));
  const args = [...RUN_TYPESCRIPT, join(repoRoot, "scripts/sandbox.ts"), "--dir", dir];
  if (options.members !== undefined) args.push("--members", String(options.members));
  if (options.name) args.push("--name", options.name);
  if (options.namespace) args.push("--namespace", options.namespace);
  if (options.clusters !== undefined) args.push("--clusters", String(options.clusters));
  args.push("--backoff-ms", String(options.backoffMs ?? 500));
  if (options.tls) args.push("--tls");
  if (options.workload) args.push("--workload", options.workload);
  if (options.statefulSetName) args.push("--statefulset-name", options.statefulSetName);
  if (options.clusterDomain) args.push("--cluster-domain", options.clusterDomain);
  // The product's tests run etcd on loopback addresses unless they ask otherwise: with isolated Pods every etcd
  // byte, peers' included, passes the sandbox's userspace Service proxy, and on a loaded two-core machine
  // that held status calls past the responder's 1 s timeout. The sandbox's own tests cover isolated Pods.
  args.push("--isolation", options.isolation ?? (options.workload === "statefulset" ? "namespaces" : "loopback"));
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "info" },
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `sandbox did not print "sandbox ready" within ${options.readyTimeoutMs ?? 60_000} ms:\n` +
              output.slice(-3000),
          ),
        ),
      options.readyTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("sandbox ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code} before it was ready:\n${output.slice(-3000)}`));
    });
  });
  let stopped: Promise<number | null> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
      return child.exitCode;
    })());
  try {
    await ready;
    const info = JSON.parse(await readFile(join(dir, "sandbox.json"), "utf8")) as SandboxInfo;
    return { info, dir, pid: child.pid!, output: () => output, stop, exited };
  } catch (error) {
    await stop();
    throw error;
  }
}
