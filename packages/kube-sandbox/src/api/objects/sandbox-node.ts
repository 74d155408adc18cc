import { availableParallelism, release, totalmem } from "node:os";
import { SERVER_VERSION } from "../discovery/discovery.js";
import type { KubeObject, ObjectStore } from "../object-store.js";

/** The name of the sandbox's one node, which every Pod is bound to. */
const SANDBOX_NODE_NAME = "sandbox";

/** Where the node is reached, as `status.addresses` and the Pods' `status.hostIP` say. */

/** Pods a kubelet admits by default, as `status.capacity.pods` says. */
const MAX_PODS = "110";

/** Namespace of the Leases that tell a node's kubelet is alive. */
const NODE_LEASE_NAMESPACE = "kube-node-lease";

/**
 * Registers the sandbox's one Node, Ready, and its Lease in `kube-node-lease`, as a kubelet registers its
 * node; leaves existing ones alone. The kubelet lives as long as the sandbox, so neither is renewed.
 */
export function registerSandboxNode(store: ObjectStore, address: string): KubeObject {
  const now = new Date();
  if (!store.get("leases.coordination.k8s.io", NODE_LEASE_NAMESPACE, SANDBOX_NODE_NAME)) {
    store.create("leases.coordination.k8s.io", {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: SANDBOX_NODE_NAME, namespace: NODE_LEASE_NAMESPACE },
      spec: {
        holderIdentity: SANDBOX_NODE_NAME,
        leaseDurationSeconds: 40,
        renewTime: now.toISOString().replace("Z", "000Z"),
      },
    });
  }
  return store.get("nodes", undefined, SANDBOX_NODE_NAME) ?? store.create("nodes", sandboxNode(now, address));
}

/** The node's capacity, all of it allocatable: the host's CPUs and memory, and the Pods a kubelet admits. */
export function sandboxNodeResources(): Record<string, string> {
  return { cpu: String(availableParallelism()), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: MAX_PODS };
}

/**
 * The Node object of the host the sandbox runs on: its CPUs, memory, kernel, a Ready condition, and
 * `address`, where Pods reach it.
 */
function sandboxNode(now: Date, address: string): KubeObject {
  const at = now.toISOString().replace(/\.\d+Z$/, "Z");
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const resources = sandboxNodeResources();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: SANDBOX_NODE_NAME,
      labels: {
        "kubernetes.io/hostname": SANDBOX_NODE_NAME,
        "kubernetes.io/os": process.platform,
        "kubernetes.io/arch": arch,
        "beta.kubernetes.io/os": process.platform,
        "beta.kubernetes.io/arch": arch,
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address },
        { type: "Hostname", address: SANDBOX_NODE_NAME },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: "",
        systemUUID: "",
        bootID: "",
        kernelVersion: release(),
        // Containers are processes of the host, so the host is what they see.
        osImage: `kube-sandbox (${process.platform} host)`,
        containerRuntimeVersion: "sandbox://local-processes",
        kubeletVersion: SERVER_VERSION.gitVersion,
        kubeProxyVersion: SERVER_VERSION.gitVersion,
        operatingSystem: process.platform,
        architecture: arch,
      },
    },
  };
}
