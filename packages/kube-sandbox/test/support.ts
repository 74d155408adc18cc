import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { Writable } from "node:stream";
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

/** Writes `yaml` to `file` and runs `kubectl apply -f` on it; never throws for a non-zero exit. */
export async function kubectlApply(kubeconfig: string, file: string, yaml: string): Promise<KubectlRun> {
  await writeFile(file, yaml);
  return kubectl(kubeconfig, "apply", "-f", file);
}
