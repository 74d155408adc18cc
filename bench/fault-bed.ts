import type { KubeConfig } from "@kubernetes/client-node";
import type { SandboxClusterInfo } from "../test/support/etcd-sandbox.js";
import { enableSandboxEtcdAuth } from "../test/support/etcd-auth.js";
import { clusterShape, keysOnEveryMember, writeKeys } from "../test/support/etcd-cluster-checks.js";
import { breakUntilCrashLooping } from "../test/support/crash-looping-member.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { runRecover, type RecoverOptions, type RecoverRun } from "../test/support/recover-cli.js";
import { writeServiceConfig, type ConfigChanges } from "../test/support/sandbox-config.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { loseMemberData } from "../test/support/statefulset-member.js";

/** How the members run: one Deployment each, or one StatefulSet on claims. */
export type Layout = "deployment" | "statefulset";

/** How etcd is secured: not at all, TLS with client certificates, or password authentication. */
export type Security = "plain" | "tls" | "auth";

/** Keys written before any fault; every scenario checks them on every member. */
export const KEY_PREFIX = "before";
export const KEY_COUNT = 20;
const MEMBERS = 5;
const PASSWORD = "fault-matrix-password";

/**
 * A 5-member sandbox of one layout and one kind of etcd security, with keys written, kept for many scenarios. Its
 * configurations: `shortLease` (a killed recovery's Lease expires in 3 s, so the rerun can take it), `shortSteps`
 * (a wait that cannot end well gives up in 20 s) and `standard` (the sandbox's own).
 */
export class FaultBed {
  private nextIndex = 0;

  private constructor(
    readonly layout: Layout,
    readonly security: Security,
    readonly sandbox: SandboxProcess,
    readonly kc: KubeConfig,
    readonly configs: { shortLease: string; shortSteps: string; standard: string },
  ) {}

  /** Starts the sandbox, secures etcd as asked, writes the keys and the configurations. */
  static async start(layout: Layout, security: Security): Promise<FaultBed> {
    const sandbox = await startSandboxProcess({ workload: layout, members: MEMBERS, tls: security === "tls" });
    try {
      const cluster = sandbox.info.clusters[0]!;
      await writeKeys(sandbox.info, cluster, KEY_PREFIX, KEY_COUNT);
      const auth: ConfigChanges =
        security === "auth" ? { clusterAuth: await enableSandboxEtcdAuth(sandbox, PASSWORD) } : {};
      const configs = {
        shortLease: await writeServiceConfig(sandbox, "short-lease.yaml", { ...auth, leaseDurationSeconds: 3 }),
        shortSteps: await writeServiceConfig(sandbox, "short-steps.yaml", { ...auth, stepTimeoutSeconds: 20 }),
        standard: await writeServiceConfig(sandbox, "standard.yaml", auth),
      };
      return new FaultBed(layout, security, sandbox, kubeConfigFrom(sandbox.info.kubeconfig), configs);
    } catch (error) {
      await sandbox.stop();
      throw error;
    }
  }

  /** `deployment, plain`, for the table. */
  get label(): string {
    return `${this.layout}, ${this.security === "tls" ? "TLS client certificates" : this.security}`;
  }

  get cluster(): SandboxClusterInfo {
    return this.sandbox.info.clusters[0]!;
  }

  /** The members in turn, 1 to 5 and again, so that no member takes every fault. */
  nextMember(): number {
    this.nextIndex = (this.nextIndex % MEMBERS) + 1;
    return this.nextIndex;
  }

  /** A member other than `index`, for a second fault in the same recovery. */
  otherMember(index: number): number {
    return (index % MEMBERS) + 1;
  }

  /**
   * Breaks member `index` the layout's way: a Deployment member's Pod deleted and made again empty (crash-looping), a
   * StatefulSet member's claim and Pod deleted (made again on an empty claim, crash-looping).
   */
  async breakMember(index: number): Promise<void> {
    const member = this.cluster.members[index - 1]!;
    if (member.workload === "deployment") await breakUntilCrashLooping(this.kc, "default", "example", index);
    else await loseMemberData(this.kc, "default", member.pod, member.pvc);
  }

  /** Runs `recover` of member `index` from the build, on `shortLease` unless the options name another file. */
  recover(index: number, options: RecoverOptions = {}): Promise<RecoverRun> {
    return runRecover(this.sandbox, "example", index, {
      config: this.configs.shortLease,
      compiled: true,
      timeoutMs: 180_000,
      ...options,
    });
  }

  /** Whether every member is a voter with every key: what the next scenario needs to start from. */
  async healthy(): Promise<boolean> {
    try {
      const shape = await clusterShape(this.sandbox.info, this.cluster);
      if (shape.learners > 0 || shape.names.length !== MEMBERS) return false;
      const counts = await keysOnEveryMember(this.sandbox.info, this.cluster, KEY_PREFIX);
      return Object.values(counts).every((count) => count === KEY_COUNT);
    } catch {
      return false;
    }
  }

  stop(): Promise<unknown> {
    return this.sandbox.stop();
  }
}
