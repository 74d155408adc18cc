import type { KubeObject } from "../api/object-store.js";
import type { ProcessCommand } from "./container-command.js";

/** A volume as a Pod's file system shows it. */
export interface PodMount {
  /** The volume's folder (or file, with `subPath`) on the host. */
  hostPath: string;
  /** Where the Pod sees it. */
  mountPath: string;
  /** Whether the Pod may not write to it. */
  readOnly: boolean;
}

/** Who a Pod is on the network: what its `/etc/hostname`, `/etc/hosts` and `/etc/resolv.conf` say. */
export interface PodIdentity {
  /** `spec.hostname`, else the Pod's name (its first 63 characters). */
  hostname: string;
  /** `HOSTNAME.SUBDOMAIN.NAMESPACE.svc.cluster.local` when the Pod has a `spec.subdomain`. */
  fqdn?: string;
  namespace: string;
}

/**
 * Where one Pod's containers run, as a container runtime's Pod sandbox: an address, and either namespaces of
 * the Pod's own (isolated) or the host's (loopback).
 */
export interface PodSandbox {
  /** The Pod's address (`status.podIP`). */
  readonly ip: string;
  /**
   * Whether the Pod has a file system of its own with the volumes at their mount paths. Without one, the
   * kubelet rewrites mount paths in commands, arguments, environment and working directory to the volumes'
   * host folders.
   */
  readonly mountsVolumes: boolean;
  /** Sets up the Pod's file system with `mounts` (once; its containers start after this). */
  start(identity: PodIdentity, mounts: readonly PodMount[]): Promise<void>;
  /** The host's path of `path` in the Pod's file system (for looking up programs and making directories). */
  hostPath(path: string): string;
  /** The host process that runs `command` inside the Pod, in the Pod's working directory `cwd`. */
  enter(command: ProcessCommand, cwd: string): { command: ProcessCommand; cwd: string };
  /** Ends every process left in the Pod and gives its address back; safe to call twice. */
  release(): Promise<void>;
  /** The Pod's network namespace (`ip netns` name), when it has one of its own. */
  readonly netns?: string;
}

/** How the node gives Pods their sandboxes. */
export interface PodSandboxes {
  /** `namespaces` when Pods are isolated, `loopback` when they share the host's. */
  readonly mode: "namespaces" | "loopback";
  /** The node's address as Pods see it (`status.hostIP`). */
  readonly hostIP: string;
  /** The name server Pods' `/etc/resolv.conf` names. */
  readonly nameserver: string;
  /** A sandbox for `pod`, whose data lives under `dir`; keeps `status.podIP` when the Pod has one it may keep. */
  create(pod: KubeObject, dir: string): Promise<PodSandbox>;
}
