import type { KubeObject } from "../api/object-store.js";
import type { PodSandbox, PodSandboxes } from "../kubelet/pod-sandbox.js";

/**
 * Pods that share the host's namespaces, each on a loopback address of the sandbox's block (see
 * `podAddressFor`): the fallback where namespaces cannot be made. Containers run as host processes, and
 * mount paths are rewritten to the volumes' folders.
 */
export function loopbackPods(podAddress: (pod: KubeObject) => string, nameserver: string): PodSandboxes {
  return {
    mode: "loopback",
    hostIP: "127.0.0.1",
    nameserver,
    create(pod) {
      const status = (pod.status ?? {}) as { podIP?: unknown };
      const ip = typeof status.podIP === "string" && status.podIP ? status.podIP : podAddress(pod);
      return Promise.resolve(hostSandbox(ip));
    },
  };
}

function hostSandbox(ip: string): PodSandbox {
  return {
    ip,
    mountsVolumes: false,
    start: () => Promise.resolve(),
    hostPath: (path) => path,
    enter: (command, cwd) => ({ command, cwd }),
    release: () => Promise.resolve(),
  };
}
