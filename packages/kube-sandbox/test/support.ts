import { execFile, spawn } from "node:child_process";
import { get as httpGet } from "node:http";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { ApiException } from "@kubernetes/client-node";
import { createLogger, type Logger } from "../src/logger.js";

/** The kubectl the tests drive the sandbox with: `$KUBECTL`, else the one on PATH (1.32 or close to it). */
export const kubectlPath = process.env.KUBECTL ?? "kubectl";

/** The helm the tests install charts with: `$HELM`, else the one on PATH (helm 3). */
export const helmPath = process.env.HELM ?? "helm";

/** kube-apiserver's answer to a request without valid credentials, as it is on the wire. */
export const UNAUTHORIZED_STATUS = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "Unauthorized",
  reason: "Unauthorized",
  code: 401,
};

/**
 * The HTTP status and `Status` body of a client-node call that must fail (no body for a 401: client-node drops
 * it); throws when the call succeeds or fails otherwise than with an `ApiException`.
 */
export async function clientFailure(
  call: Promise<unknown>,
): Promise<{ code: number; status?: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const e = error as ApiException<string | undefined>;
    return { code: e.code, ...(e.body === undefined ? {} : { status: JSON.parse(e.body) as Record<string, unknown> }) };
  }
  throw new Error("the call succeeded but was expected to fail");
}

/** Whether a process with this pid still exists; one that exited and was not yet reaped (a zombie) counts. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  return {
    logger,
    lines: () =>
      raw
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** What a kubectl run printed, and its exit code. */
export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the tests' kubectl against `kubeconfig`; never throws for a non-zero exit. */
export function kubectl(kubeconfig: string, ...args: string[]): Promise<KubectlRun> {
  return new Promise((resolve) => {
    execFile(kubectlPath, ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Runs the tests' helm against `kubeconfig`, keeping helm's own state in `stateDir` rather than the user's home;
 * never throws for a non-zero exit.
 */
export function helm(kubeconfig: string, stateDir: string, args: string[], timeoutMs = 90_000): Promise<KubectlRun> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: `${stateDir}/cache`,
    HELM_CONFIG_HOME: `${stateDir}/config`,
    HELM_DATA_HOME: `${stateDir}/data`,
  };
  return new Promise((resolve) => {
    execFile(
      helmPath,
      ["--kubeconfig", kubeconfig, ...args],
      { cwd: stateDir, env, timeout: timeoutMs },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A row of one of the README's "TOOL, tried" tables: the command's arguments and whether it must exit 0. */
export interface TriedCommand {
  args: string[];
  works: boolean;
  line: string;
}

/** The rows of the README's table `## TOOL, tried`, in order. */
export function triedCommands(tool: "kubectl" | "helm"): TriedCommand[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split(`## ${tool}, tried`)[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .map((line) => line.match(new RegExp(`^\\| \`${tool} ([^\`]+)\` \\| (works|fails) \\|`)))
    .filter((match): match is RegExpMatchArray => match !== null)
    .map((match) => ({ args: match[1]!.split(/\s+/), works: match[2] === "works", line: match[0] }));
}

/** Writes `yaml` to `file` and runs `kubectl apply -f` on it; never throws for a non-zero exit. */
export async function kubectlApply(kubeconfig: string, file: string, yaml: string): Promise<KubectlRun> {
  await writeFile(file, yaml);
  return kubectl(kubeconfig, "apply", "-f", file);
}

/** A `kubectl port-forward` running in the background. */
export interface PortForward {
  /** The local port it listens on, from its "Forwarding from 127.0.0.1:PORT" line. */
  port: number;
  /** What it printed so far, both streams. */
  output(): string;
  /** Stops it (SIGTERM to its pid) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `kubectl port-forward ARGS` and resolves once it listens; rejects with what it printed when it exits or
 * does not listen within `timeoutMs`.
 */
export function startPortForward(
  kubeconfig: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<PortForward> {
  const child = spawn(kubectlPath, ["--kubeconfig", kubeconfig, "port-forward", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, "SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`kubectl port-forward ${args.join(" ")} did not listen: ${text}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), output: () => text, stop });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${args.join(" ")} exited: ${text}`));
    });
  });
}

/** GETs `http://127.0.0.1:PORT/PATH` and resolves to the status and body; rejects on a connection failure. */
export function localGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: "127.0.0.1", port, path, timeout: 10_000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${path} through port ${port} timed out`)));
    request.on("error", reject);
  });
}
