import { normalize } from "node:path";
import type { KubeObject } from "../api/object-store.js";
import { podHostname } from "../node/pod-process.js";
import { containerMounts } from "./pod-volumes.js";
import type { PodIdentity, PodMount } from "./pod-sandbox.js";
import type { ContainerSpec, PodSpec, VolumeSpec } from "./pod-spec.js";

/** The cluster domain Pods' names are made in. */
const CLUSTER_DOMAIN = "cluster.local";

/** Volume types Kubernetes always mounts read-only: their files come from the API. */
const READ_ONLY_TYPES = ["secret", "configMap", "downwardAPI", "projected"] as const;

/**
 * A Pod's host name and FQDN as the kubelet gives them: `spec.hostname` or the name's first 63 characters
 * (no trailing `-` or `.`), and with `spec.subdomain`, `HOSTNAME.SUBDOMAIN.NAMESPACE.svc.cluster.local`.
 */
export function podIdentity(pod: KubeObject, spec: PodSpec): PodIdentity {
  const namespace = pod.metadata.namespace ?? "default";
  const given = typeof spec.hostname === "string" && spec.hostname !== "" ? spec.hostname : undefined;
  const hostname = podHostname(given ?? pod.metadata.name);
  const subdomain = typeof spec.subdomain === "string" && spec.subdomain !== "" ? spec.subdomain : undefined;
  return {
    hostname,
    namespace,
    ...(subdomain ? { fqdn: `${hostname}.${subdomain}.${namespace}.svc.${CLUSTER_DOMAIN}` } : {}),
  };
}

/** Two containers mounting different folders at one path. */
export interface MountConflict {
  mountPath: string;
  mounted: string;
  ignored: string;
}

/**
 * The volume mounts of a Pod's file system: every container's mounts, once per path (the Pod's containers
 * share one file system here, where Kubernetes gives each its own; `onConflict` hears of two containers
 * mounting different folders at one path, and the first wins). Secret, ConfigMap, downward API and projected
 * volumes are read-only, as Kubernetes mounts them.
 */
export function podMounts(
  containers: readonly ContainerSpec[],
  volumes: readonly VolumeSpec[],
  volumeDirs: ReadonlyMap<string, string>,
  onConflict: (conflict: MountConflict) => void,
): PodMount[] {
  const byPath = new Map<string, PodMount>();
  for (const container of containers) {
    const mapped = containerMounts(container, volumeDirs);
    for (const mount of container.volumeMounts ?? []) {
      const hostPath = mapped.find((m) => m.mountPath === mount.mountPath)?.hostPath;
      if (!hostPath) continue;
      const mountPath = normalize(mount.mountPath);
      const volume = volumes.find((v) => v.name === mount.name);
      const readOnly =
        mount.readOnly === true || (volume !== undefined && READ_ONLY_TYPES.some((type) => volume[type] !== undefined));
      const existing = byPath.get(mountPath);
      if (existing) {
        if (existing.hostPath !== hostPath) onConflict({ mountPath, mounted: existing.hostPath, ignored: hostPath });
        continue;
      }
      byPath.set(mountPath, { hostPath, mountPath, readOnly });
    }
  }
  return [...byPath.values()];
}
