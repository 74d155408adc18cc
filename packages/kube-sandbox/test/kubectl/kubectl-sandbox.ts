import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../src/index.js";
import { kubectl as runKubectl, type KubectlRun } from "../support.js";

/** A sandbox whose Pods run `sleep`, driven with the real kubectl. */
export interface KubectlSandbox {
  sandbox: Sandbox;
  /** Runs kubectl against the sandbox; never throws, the exit code says how it went. */
  kubectl(...args: string[]): Promise<KubectlRun>;
  /** Writes `yaml` to a file and `kubectl apply`s it; throws with kubectl's words if it fails. */
  apply(yaml: string): Promise<void>;
  /** Stops the sandbox and removes its folder. */
  stop(): Promise<void>;
}

/** Image whose containers run `sleep ARGS` in the sandbox. */
export const SLEEPER_IMAGE = "example.com/sleeper:1";

/** Starts a sandbox in a fresh folder, with `SLEEPER_IMAGE` running `sleep`, and `isolation` (default `auto`). */
export async function startKubectlSandbox(isolation?: SandboxOptions["isolation"]): Promise<KubectlSandbox> {
  const dir = await mkdtemp(join(tmpdir(), "kubectl-sandbox-"));
  const sandbox = await startSandbox({
    dir,
    images: [{ repositories: ["example.com/sleeper"], entrypoint: ["sleep"] }],
    isolation,
  });
  let applied = 0;
  const kubectl = (...args: string[]) => runKubectl(sandbox.kubeconfig, ...args);
  return {
    sandbox,
    kubectl,
    async apply(yaml) {
      const file = join(dir, `manifest-${applied++}.yaml`);
      await writeFile(file, yaml);
      const run = await kubectl("apply", "-f", file);
      if (run.code !== 0) throw new Error(`kubectl apply failed: ${run.stderr}`);
    },
    async stop() {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Deployment `name` of `replicas` Pods that sleep for an hour, labelled `app: name`. */
export function sleeperDeployment(name: string, replicas: number, namespace = "default"): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 5
      containers: [{ name: main, image: "${SLEEPER_IMAGE}", args: ["3600"] }]
`;
}
