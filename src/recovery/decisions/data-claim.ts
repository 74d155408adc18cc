import type { V1PodSpec } from "@kubernetes/client-node";
import { findEtcdContainer } from "../pods.js";
import { flagValue } from "./container-flags.js";

/**
 * The PersistentVolumeClaim that holds etcd's data in a Pod template: of the claims the etcd container mounts, the
 * one mounted where its data dir is (`--data-dir`, else `ETCD_DATA_DIR`), or the only one when the data dir is not
 * written down. Undefined when the data dir is on another volume, or the etcd container mounts no claim, or several
 * without a data dir to choose by.
 */
export function dataClaimOf(template: V1PodSpec | undefined): string | undefined {
  const claims = new Map<string, string>();
  for (const volume of template?.volumes ?? []) {
    if (volume.persistentVolumeClaim) claims.set(volume.name, volume.persistentVolumeClaim.claimName);
  }
  if (claims.size === 0) return undefined;
  const container = findEtcdContainer(template?.containers ?? []);
  const mounts = container?.volumeMounts ?? [];
  const dataDir = container && dataDirOf(container);
  if (dataDir !== undefined) {
    const holding = mounts
      .filter((m) => dataDir === m.mountPath || dataDir.startsWith(`${m.mountPath.replace(/\/+$/, "")}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    return holding ? claims.get(holding.name) : undefined;
  }
  const mounted = [...new Set(mounts.map((m) => claims.get(m.name)).filter((c): c is string => c !== undefined))];
  return mounted.length === 1 ? mounted[0] : undefined;
}

/** The data dir a container's command, args or env give etcd, if any. */
function dataDirOf(container: { command?: string[]; args?: string[]; env?: { name: string; value?: string }[] }) {
  return (
    flagValue([...(container.command ?? []), ...(container.args ?? [])], "data-dir") ??
    container.env?.find((e) => e.name === "ETCD_DATA_DIR")?.value
  );
}
