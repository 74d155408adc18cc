import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import type { ImageEntry } from "kube-sandbox";
import { repoRoot } from "./tools.js";

/** The exec form (`["a", "b"]`) of the last `instruction` line of the Dockerfile: the runtime stage's. */
function dockerfileExecForm(dockerfile: string, instruction: "ENTRYPOINT" | "CMD"): string[] {
  const lines = dockerfile.split("\n").filter((line) => line.startsWith(`${instruction} `));
  const last = lines.at(-1);
  if (!last) throw new Error(`the Dockerfile has no ${instruction}`);
  const words = JSON.parse(last.slice(instruction.length + 1)) as unknown;
  if (!Array.isArray(words) || !words.every((word) => typeof word === "string")) {
    throw new Error(`the Dockerfile's ${instruction} is not in exec form: ${last}`);
  }
  return words;
}

/** The Node.js flags of the Dockerfile's ENTRYPOINT (those before the script), to run the build as the image does. */
export function imageNodeFlags(): string[] {
  const [, ...args] = dockerfileExecForm(readFileSync(resolve(repoRoot, "Dockerfile"), "utf8"), "ENTRYPOINT");
  return args.filter((arg) => arg.startsWith("-"));
}

/**
 * The responder's own image, for the sandbox's image catalog: the chart's default repository, any tag, with
 * the ENTRYPOINT and CMD of the repository's Dockerfile. Its `node` is the Node.js running this process and its
 * files are the working tree's (the image's working directory holds what `npm run build` makes), so a Pod of
 * the image runs `dist/cli.js` of this checkout, which must be built. The checkout and Node.js are the image's
 * host folders: a volume over a parent folder (the chart's emptyDir at /tmp) does not hide them.
 */
export function responderImage(): ImageEntry {
  const dockerfile = readFileSync(resolve(repoRoot, "Dockerfile"), "utf8");
  const [program, ...args] = dockerfileExecForm(dockerfile, "ENTRYPOINT");
  if (program !== "node") throw new Error(`the Dockerfile's ENTRYPOINT runs ${program}, not node`);
  const values = parse(readFileSync(resolve(repoRoot, "chart/values.yaml"), "utf8")) as {
    image: { repository: string };
  };
  // Node.js's own folder (`.../bin/node` -> `...`) unless the checkout holds it.
  const nodeHome = resolve(process.execPath, "../..");
  return {
    repositories: [values.image.repository],
    entrypoint: [process.execPath, ...args.map((arg) => (arg.startsWith("-") ? arg : resolve(repoRoot, arg)))],
    cmd: dockerfileExecForm(dockerfile, "CMD"),
    // The chart mounts an emptyDir at /tmp, which would hide a checkout (or a Node.js) under /tmp.
    hostPaths: nodeHome.startsWith(`${repoRoot}/`) ? [repoRoot] : [repoRoot, nodeHome],
  };
}
