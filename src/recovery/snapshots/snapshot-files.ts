/** `<cluster>-<UTC time>.db`, e.g. `example-20240102T030405.678Z.db`: names sort by time. */
export function snapshotFileName(cluster: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "");
  return `${cluster}-${stamp}.db`;
}

/**
 * The snapshot files of `cluster` to delete so that the newest `keep` remain. Other clusters' files (even
 * `example-a-...` next to `example-...`), partial downloads and foreign files are left alone.
 */
export function snapshotsToPrune(fileNames: readonly string[], cluster: string, keep: number): string[] {
  const escaped = cluster.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}-(\\d{8}T\\d{6}(\\.\\d{3})?Z)\\.db$`);
  const ours = fileNames.filter((name) => pattern.test(name)).sort();
  return ours.slice(0, Math.max(0, ours.length - keep));
}
