import { join } from "node:path";
import type { KubeObject } from "../api/object-store.js";
import type { ProcessCommand } from "../kubelet/container-command.js";
import type { PodIdentity, PodMount, PodSandbox, PodSandboxes } from "../kubelet/pod-sandbox.js";
import type { ProcessTracker } from "../kubelet/process-tracker.js";
import { IsolationError } from "./isolation-error.js";
import { writePodEtcFiles } from "./pod-etc-files.js";
import type { PodAttachment, PodNetwork } from "./pod-network.js";
import { enterPodArgs, PodProcess } from "./pod-process.js";

/**
 * Pods isolated as containers: each gets a network namespace and address on `network`, and a first process
 * holding mount, PID, UTS and IPC namespaces of its own over a copy-on-write view of the host's root, with
 * its volumes and its `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf` at their real paths. The cluster
 * DNS is expected on the network's gateway.
 */
export function isolatedPods(network: PodNetwork, tracker: ProcessTracker | undefined): PodSandboxes {
  return {
    mode: "namespaces",
    hostIP: network.gateway,
    nameserver: network.gateway,
    async create(pod, dir) {
      const attachment = await network.addPod(reusableAddress(network, pod));
      return new IsolatedPod(network, attachment, dir, tracker);
    },
  };
}

/** A Pod adopted with an address of this network keeps it; any other gets a fresh one. */
function reusableAddress(network: PodNetwork, pod: KubeObject): string | undefined {
  const ip = (pod.status as { podIP?: unknown } | undefined)?.podIP;
  return typeof ip === "string" && network.isFreePodAddress(ip) ? ip : undefined;
}

class IsolatedPod implements PodSandbox {
  readonly mountsVolumes = true;
  private process: PodProcess | undefined;
  private released: Promise<void> | undefined;

  constructor(
    private readonly network: PodNetwork,
    private readonly attachment: PodAttachment,
    private readonly dir: string,
    private readonly tracker: ProcessTracker | undefined,
  ) {}

  get ip(): string {
    return this.attachment.ip;
  }

  get netns(): string {
    return this.attachment.netns;
  }

  async start(identity: PodIdentity, mounts: readonly PodMount[]): Promise<void> {
    if (this.process || this.released) throw new IsolationError(`the Pod on ${this.ip} was started already`);
    const etc = writePodEtcFiles(join(this.dir, "etc"), identity, this.ip, this.network.gateway);
    const started = await PodProcess.start({
      name: identity.hostname,
      netns: this.attachment.netns,
      dataDir: join(this.dir, "rootfs"),
      volumes: [...mounts, ...etc],
    });
    this.tracker?.track(started.pgid);
    this.process = started;
    // Released while starting: it must not outlive its release.
    if (this.released) await this.stopProcess();
  }

  hostPath(path: string): string {
    if (!this.process) throw new IsolationError(`the Pod on ${this.ip} has not started`);
    return join(`/proc/${this.process.pid}/root`, path);
  }

  enter(command: ProcessCommand, cwd: string): { command: ProcessCommand; cwd: string } {
    if (!this.process) throw new IsolationError(`the Pod on ${this.ip} has not started`);
    const args = enterPodArgs(this.process.pid, [command.file, ...command.args], cwd);
    return { command: { file: "nsenter", args, argv0: "nsenter" }, cwd: "/" };
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      await this.stopProcess();
      await this.network.removePod(this.attachment.netns);
    })();
    return this.released;
  }

  private async stopProcess(): Promise<void> {
    const started = this.process;
    if (!started) return;
    await started.stop();
    this.tracker?.untrack(started.pgid);
  }
}
