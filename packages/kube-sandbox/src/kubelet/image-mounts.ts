import { mkdirSync } from "node:fs";
import { join, normalize } from "node:path";
import type { PodMount } from "./pod-sandbox.js";

/**
 * The mounts that keep an image's host folders (`ImageConfig.hostPaths`) visible in an isolated Pod: one read-only
 * mount at its own path for each folder that one of `mounts` would hide (a volume mounted at it or at a parent
 * folder, such as an emptyDir at /tmp), after them. The mount point is made in the hiding volume's host folder, so
 * the Pod sees an empty folder there, as it would see the image's folder in a volume on a real node. Folders no
 * volume hides need nothing: the Pod's root is a view of the host's.
 */
export function imageHostMounts(
  mounts: readonly PodMount[],
  hostPaths: readonly string[],
  makeDir: (path: string) => void = (path) => mkdirSync(path, { recursive: true }),
): PodMount[] {
  const extra: PodMount[] = [];
  for (const path of new Set(hostPaths.map((p) => normalize(p).replace(/(.)\/+$/, "$1")))) {
    const hiding = mounts
      .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (!hiding) continue;
    if (path !== hiding.mountPath) makeDir(join(hiding.hostPath, path.slice(hiding.mountPath.length)));
    extra.push({ hostPath: path, mountPath: path, readOnly: true });
  }
  return extra;
}
