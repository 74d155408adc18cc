import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { loadConfig, resolveMember, type ResponderConfig } from "../src/config/index.js";
import { createKubernetesGateway, type KubernetesGateway } from "../src/gateways/kubernetes/index.js";
import { createLogger } from "../src/observability/logger.js";
import { recoverMember, type StepReporter } from "../src/recovery/index.js";
import { startSandbox, type Sandbox } from "../src/sandbox/sandbox.js";
import { BareEtcdFloor } from "./bare-member-replacement.js";
import { ms, summarize, type Summary } from "./stats.js";

const MEMBERS = 5;
const RUNS = 7;
/** etcd refuses to add a member until it has been connected to every voting peer for ~5 s. */
const ETCD_SETTLE_MS = 6000;
const SILENT_REPORTER: StepReporter = { stepStarted: () => undefined, stepEnded: () => undefined, progress: () => undefined };

/** The responder's side: a 5-member sandbox whose member is broken the seed's way, then recovered. */
class SandboxRecovery {
  private constructor(
    private readonly sandbox: Sandbox,
    private readonly dir: string,
    private readonly config: ResponderConfig,
    private readonly kubernetes: KubernetesGateway,
    private readonly core: CoreV1Api,
  ) {}

  static async start(): Promise<SandboxRecovery> {
    const dir = await mkdtemp(join(tmpdir(), "bench-recovery-"));
    const logger = createLogger({ level: "error" });
    const sandbox = await startSandbox({ dir, members: MEMBERS, logger, backoffMs: 500 });
    const kc = new KubeConfig();
    kc.loadFromFile(sandbox.info.kubeconfig);
    const config = await loadConfig(join(dir, "responder.yaml"));
    config.clusters[0]!.snapshots.enabled = false;
    return new SandboxRecovery(sandbox, dir, config, createKubernetesGateway({ kubeConfig: kc, logger }), kc.makeApiClient(CoreV1Api));
  }

  /** Deletes the member's Pod and waits until its empty replacement crash-loops and counts as dead. */
  async breakMember(index: number): Promise<void> {
    const selector = `etcd.responder.io/cluster=example,etcd.responder.io/member=${index}`;
    const { pods } = await this.kubernetes.listPods("default", selector);
    const old = new Set(pods.map((p) => p.metadata?.name));
    for (const name of old) await this.core.deleteNamespacedPod({ name: name!, namespace: "default" });
    const crashing = await this.kubernetes.waitForPods(
      "default",
      selector,
      (now) => now.find((p) => !old.has(p.metadata?.name) && p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff"),
      `member ${index} in CrashLoopBackOff`,
      30_000,
    );
    // As in production, where an alert fires minutes later: the member has been down past deadAfterSeconds.
    const downSince = notReadySince(crashing);
    const deadAfterMs = this.config.recovery.deadAfterSeconds * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, downSince + deadAfterMs + 100 - Date.now())));
  }

  /** From "recover" to 5 healthy voters with equal hashKV (the recovery's own Verify step), ms. */
  async recover(index: number): Promise<number> {
    const cluster = this.config.clusters[0]!;
    const started = performance.now();
    const result = await recoverMember(
      { config: this.config, kubernetes: this.kubernetes, logger: createLogger({ level: "error" }), holder: "bench" },
      { cluster, member: resolveMember(cluster, index), mode: "act", reporter: SILENT_REPORTER },
    );
    const elapsed = performance.now() - started;
    if (result.outcome !== "succeeded") throw new Error(`recovery of member ${index} ended ${result.outcome}: ${result.reason}`);
    return elapsed;
  }

  async stop(): Promise<void> {
    await this.sandbox.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function notReadySince(pod: V1Pod): number {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  const at = ready?.lastTransitionTime ?? pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : Date.now();
}

export interface MemberRecoveryResult {
  responder: Summary;
  floor: Summary;
}

export async function benchMemberRecovery(): Promise<MemberRecoveryResult> {
  const sandbox = await SandboxRecovery.start();
  const floor = await BareEtcdFloor.start(MEMBERS);
  const responder: number[] = [];
  const bare: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const member = (run % MEMBERS) + 1;
      const settled = Date.now() + ETCD_SETTLE_MS;
      await sandbox.breakMember(member);
      await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
      responder.push(await sandbox.recover(member));
      // The floor's cluster settles while the sandbox's does, and the other way round.
      bare.push(await floor.replaceMember(member));
      await new Promise((r) => setTimeout(r, ETCD_SETTLE_MS));
    }
  } finally {
    await floor.stop();
    await sandbox.stop();
  }
  return { responder: summarize(responder), floor: summarize(bare) };
}

export function renderMemberRecovery(result: MemberRecoveryResult): string {
  const { responder, floor } = result;
  return [
    `### Member recovery (${MEMBERS}-member cluster, ${responder.runs} runs each, interleaved)`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    `| etcd-responder on the sandbox: \`recover\` to 5 healthy voters with equal hashKV | ${ms(responder.median)} | ${ms(responder.min)} | ${ms(responder.max)} |`,
    `| floor: bare etcd steps, no Kubernetes (remove, add learner, start etcd, promote, same check) | ${ms(floor.median)} | ${ms(floor.min)} | ${ms(floor.max)} |`,
    `| the seed script's fixed sleeps alone (2 s + 2 s of polling) | 4.00 s | | |`,
    "",
    `Ratio of medians: ${(responder.median / floor.median).toFixed(2)}x the floor (target: at most 2x).`,
  ].join("\n");
}
