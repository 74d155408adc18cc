import { execFile } from "node:child_process";
import { kubectlPath } from "./tools.js";

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned kubectl against a kubeconfig; never throws, the exit code tells. Killed after 30 s. */
export function kubectl(kubeconfig: string, ...args: string[]): Promise<KubectlRun> {
  return kubectlWithin(30_000, kubeconfig, ...args);
}

/** As `kubectl`, for a command that may take up to `timeoutMs` (e.g. `rollout status --timeout=...`). */
export function kubectlWithin(timeoutMs: number, kubeconfig: string, ...args: string[]): Promise<KubectlRun> {
  return new Promise((resolve) => {
    execFile(kubectlPath, ["--kubeconfig", kubeconfig, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `kubectl get` output as rows of columns keyed by header. */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split("\n").filter((l) => l.trim());
  const header = lines.shift() ?? "";
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
  return lines.map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((col, i) => {
      const end = starts[i + 1]?.at ?? line.length;
      row[col.name] = line.slice(col.at, end).trim();
    });
    return row;
  });
}
