/** Where a volume mount's path lives on the host. */
export interface MountMapping {
  /** The path the container sees, e.g. `/var/run/etcd`. */
  mountPath: string;
  /** The host directory (or file, with subPath) standing in for it. */
  hostPath: string;
}

/**
 * Emulates volume mounts for processes that share the host's file system: rewrites every mount path found
 * in `value` to its host path. A mount path counts where it starts the value or follows `=`, whitespace,
 * a quote or a redirection (so `--data-dir=/var/run/etcd/x` and `sh -c 'echo > /data/n'` work), and where
 * it is followed by `/` or the end of a word (so `/data` never matches `/database`). The longest mount
 * path wins. The root mount path `/` is never rewritten: that would move every path.
 */
export function rewriteMountPaths(value: string, mounts: readonly MountMapping[]): string {
  const usable = mounts
    .map((m) => ({ mountPath: trimTrailingSlash(m.mountPath), hostPath: m.hostPath }))
    .filter((m) => m.mountPath.startsWith("/") && m.mountPath.length > 1)
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  if (usable.length === 0) return value;
  const alternatives = usable.map((m) => escapeRegExp(m.mountPath)).join("|");
  const pattern = new RegExp(`(^|[\\s='"<>(,:])(${alternatives})(?=$|[/\\s'"),;&|])`, "g");
  return value.replace(pattern, (_match, before: string, path: string) => {
    const mount = usable.find((m) => m.mountPath === path);
    return `${before}${mount ? mount.hostPath : path}`;
  });
}

function trimTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.replace(/\/+$/, "") : path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
