import { ImageCatalog, type ImageEntry } from "./image-catalog.js";

/**
 * The ENTRYPOINT of an image whose entrypoint script runs `program` with the container's arguments when they
 * start with an option (or when `alsoWhen`, a shell test on `$1`, holds), and runs the arguments themselves as
 * a command otherwise (`sh -c SCRIPT PROGRAM ARGS...`: the host's shell runs the script).
 */
function entrypointScript(program: string, alsoWhen?: string): string[] {
  const when = alsoWhen ? `[ "\${1#-}" != "$1" ] || ${alsoWhen}` : `[ "\${1#-}" != "$1" ]`;
  return ["sh", "-c", `if [ $# -gt 0 ] && { ${when}; }; then set -- ${program} "$@"; fi; exec "$@"`, program];
}

/**
 * The images every sandbox knows, after the ones its user adds: etcd, Redis, and small tool images for
 * test Pods. They run the host's programs (`etcd`, `redis-server`, `sh`, `curl`), which must be installed.
 */
export const BUILT_IN_IMAGES: readonly ImageEntry[] = [
  // quay.io/coreos/etcd, registry.k8s.io/etcd, gcr.io/etcd-development/etcd: no ENTRYPOINT, CMD etcd. Bitnami's
  // entrypoint script runs its arguments after setting up, and etcd by default: the same thing here.
  { repositories: ["**/etcd"], cmd: ["/usr/local/bin/etcd"] },
  // The official image's entrypoint runs redis-server for options and `.conf` files, anything else as given.
  {
    repositories: ["**/redis"],
    entrypoint: entrypointScript("redis-server", `case "$1" in *.conf) true;; *) false;; esac`),
    cmd: ["redis-server"],
  },
  { repositories: ["**/busybox", "**/alpine"], cmd: ["sh"] },
  // Its entrypoint runs curl for options and for words that are no command, such as a URL.
  {
    repositories: ["**/curlimages/curl"],
    entrypoint: entrypointScript("curl", `! command -v "$1" >/dev/null 2>&1`),
    cmd: ["curl"],
  },
];

/** A catalog of `entries`, then the built-in images: an entry of the user's wins over a built-in one. */
export function catalogWithBuiltIns(entries: readonly ImageEntry[] = []): ImageCatalog {
  return new ImageCatalog([...entries, ...BUILT_IN_IMAGES]);
}
