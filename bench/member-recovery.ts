import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { loadConfig, type ResponderConfig } from "../src/core/config/load.js";
import { createKubernetesGateway, type KubernetesGateway } from "../src/gateways/kubernetes/kubernetes-gateway.js";
import { createLogger } from "../src/core/logger.js";
import { recoverMember } from "../src/recovery/run-recovery.js";
import type { StepReporter } from "../src/recovery/context.js";
import type { IsolationMode } from "kube-sandbox";
import type { SandboxInfo } from "../test/support/etcd-sandbox.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { breakUntilCrashLooping } from "../test/support/crash-looping-member.js";
import { loseMemberData } from "../test/support/statefulset-member.js";
import { BareEtcdFloor } from "./bare-member-replacement.js";
import { summarize, summaryRow, type Summary } from "./stats.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";

const MEMBERS = 5;
const RUNS = 7;
/** Further runs with the default snapshot before the first membership change (the floor takes none). */
const SNAPSHOT_RUNS = 3;
const SILENT_REPORTER: StepReporter = {
  stepStarted: () => undefined,
  stepEnded: (r) => {
    if (process.env.BENCH_STEPS)
      console.error(`${r.name} ${r.endedAt - r.startedAt} ms ${r.outcome} ${r.detail.slice(0, 200)}`);
  },
  progress: (step, line) => {
    if (process.env.BENCH_STEPS) console.error(`  ${step}: ${line.slice(0, 120)} @${Date.now() % 100000}`);
  },
};

/** How the sandbox runs the example cluster: one Deployment per member, or one StatefulSet on claims. */
type Workload = "deployment" | "statefulset";

/**
 * The responder's side: a 5-member sandbox whose member is broken (the seed's way for Deployments; claim and Pod
 * deleted for a StatefulSet), then recovered.
 */
class SandboxRecovery {
  private constructor(
    private readonly sandbox: SandboxProcess,
    private readonly config: ResponderConfig,
    private readonly kubernetes: KubernetesGateway,
    private readonly kc: KubeConfig,
    private readonly workload: Workload,
  ) {}

  static async start(isolation: IsolationMode, workload: Workload): Promise<SandboxRecovery> {
    // Its own process, as Kubernetes is: the responder does not share an event loop with the API server.
    const sandbox = await startSandboxProcess({ members: MEMBERS, backoffMs: 500, isolation, workload });
    const logger = createLogger({ level: "error" });
    const kc = new KubeConfig();
    kc.loadFromFile(sandbox.info.kubeconfig);
    const config = await loadConfig(join(sandbox.dir, "responder.yaml"));
    return new SandboxRecovery(sandbox, config, createKubernetesGateway({ kubeConfig: kc, logger }), kc, workload);
  }

  /** How the sandbox runs its Pods. */
  get isolation(): SandboxInfo["isolation"] {
    return this.sandbox.info.isolation;
  }

  /**
   * Deletes the member's Pod and waits until its empty replacement crash-loops and counts as dead; a
   * replacement that catches up instead (etcd sometimes lets it) is broken again, as the tests do.
   */
  async breakMember(index: number): Promise<void> {
    const name =
      this.workload === "deployment"
        ? await breakUntilCrashLooping(this.kc, "default", "example", index)
        : `example-${index - 1}`;
    if (this.workload === "statefulset") await loseMemberData(this.kc, "default", name, `data-${name}`);
    const crashing = await this.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace: "default" });
    // As in production, where an alert fires minutes later: the member has been down past deadAfterSeconds.
    const downSince = notReadySince(crashing);
    const deadAfterMs = this.config.recovery.deadAfterSeconds * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, downSince + deadAfterMs + 100 - Date.now())));
  }

  /** From "recover" to 5 healthy voters with equal hashKV (the recovery's own Verify step), ms. */
  async recover(index: number, snapshots: boolean): Promise<number> {
    const cluster = this.config.catalog.clusters[0]!;
    cluster.snapshots.enabled = snapshots;
    const started = performance.now();
    const result = await recoverMember(
      { config: this.config, kubernetes: this.kubernetes, logger: createLogger({ level: "error" }), holder: "bench" },
      { ...this.config.catalog.member(cluster, index), mode: "act", reporter: SILENT_REPORTER },
    );
    const elapsed = performance.now() - started;
    if (result.outcome !== "succeeded")
      throw new Error(`recovery of member ${index} ended ${result.outcome}: ${result.reason}`);
    if (process.env.BENCH_STEPS) {
      const stepsMs = result.steps.reduce((sum, step) => sum + step.endedAt - step.startedAt, 0);
      const spanMs = (result.steps.at(-1)?.endedAt ?? 0) - (result.steps[0]?.startedAt ?? 0);
      console.error(
        `total ${elapsed.toFixed(0)} ms: steps ${stepsMs} ms, first step start to last step end ${spanMs} ms`,
      );
    }
    return elapsed;
  }

  async stop(): Promise<void> {
    await this.sandbox.stop();
  }
}

function notReadySince(pod: V1Pod): number {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  const at = ready?.lastTransitionTime ?? pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : Date.now();
}

/**
 * The sandboxes measured: Deployment members with the default isolation (namespaces of their own as root), then on
 * loopback, then StatefulSet members on claims (which need isolated Pods).
 */
const MODES: readonly { isolation: IsolationMode; workload: Workload }[] = [
  { isolation: "auto", workload: "deployment" },
  { isolation: "loopback", workload: "deployment" },
  { isolation: "namespaces", workload: "statefulset" },
];

/** The timings of one sandbox, with the floor measured beside it. */
export interface MemberRecoveryRun {
  /** How the sandbox ran its Pods. */
  isolation: SandboxInfo["isolation"];
  /** What ran the members. */
  workload: Workload;
  responder: Summary;
  withSnapshot: Summary;
  floor: Summary;
}

/** A sandbox whose runs did not complete, and why. */
export interface MemberRecoveryFailure {
  /** The isolation mode asked for. */
  requested: IsolationMode;
  /** What ran the members. */
  workload: Workload;
  error: string;
}

/** One entry per isolation mode in `MODES`, in that order. */
export type MemberRecoveryResult = (MemberRecoveryRun | MemberRecoveryFailure)[];

/** Breaks and recovers members of one sandbox of `isolation`, interleaved with the floor's replacements. */
async function measureMode(isolation: IsolationMode, workload: Workload): Promise<MemberRecoveryRun> {
  const sandbox = await SandboxRecovery.start(isolation, workload);
  const floor = await BareEtcdFloor.start(MEMBERS);
  const responder: number[] = [];
  const withSnapshot: number[] = [];
  const bare: number[] = [];
  try {
    for (let run = 0; run < RUNS + SNAPSHOT_RUNS; run++) {
      const member = (run % MEMBERS) + 1;
      const settled = Date.now() + ETCD_SETTLE_MS;
      await sandbox.breakMember(member);
      await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));
      if (run < RUNS) {
        responder.push(await sandbox.recover(member, false));
        // The floor's cluster settles while the sandbox's does, and the other way round.
        bare.push(await floor.replaceMember(member));
      } else {
        withSnapshot.push(await sandbox.recover(member, true));
      }
      await new Promise((r) => setTimeout(r, ETCD_SETTLE_MS));
    }
  } finally {
    await floor.stop();
    await sandbox.stop();
  }
  return {
    isolation: sandbox.isolation,
    workload,
    responder: summarize(responder),
    withSnapshot: summarize(withSnapshot),
    floor: summarize(bare),
  };
}

/**
 * Measures each isolation mode in turn, the default first. A mode whose runs fail is reported with its
 * error, and the next one is still measured.
 */
export async function benchMemberRecovery(): Promise<MemberRecoveryResult> {
  const result: MemberRecoveryResult = [];
  for (const { isolation, workload } of MODES) {
    try {
      result.push(await measureMode(isolation, workload));
    } catch (error) {
      result.push({ requested: isolation, workload, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderMemberRecovery(result: MemberRecoveryResult): string {
  return result.map((entry) => ("error" in entry ? renderFailure(entry) : renderRun(entry))).join("\n\n");
}

function renderFailure(failure: MemberRecoveryFailure): string {
  return [
    `### Member recovery (${MEMBERS}-member cluster of ${failure.workload} members; sandbox: ` +
      `\`--isolation ${failure.requested}\`): did not complete`,
    "",
    "```",
    failure.error.split("\n")[0]!,
    "```",
  ].join("\n");
}

function renderRun(result: MemberRecoveryRun): string {
  const { isolation, workload, responder, withSnapshot, floor } = result;
  const pods = isolation === "namespaces" ? "Pods in namespaces of their own" : "Pods on loopback";
  const members =
    workload === "deployment"
      ? "one Deployment per member"
      : "StatefulSet members on claims; the time includes Restore's restart of the member and second check";
  return [
    `### Member recovery (${MEMBERS}-member cluster, ${members}, ${responder.runs} runs each, interleaved; ` +
      `sandbox: ${pods})`,
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow(
      "etcd-responder on the sandbox: `recover` to 5 healthy voters with equal hashKV (snapshot off, as the floor)",
      responder,
    ),
    summaryRow(`the same with the default snapshot before the first change (${withSnapshot.runs} runs)`, withSnapshot),
    summaryRow("floor: bare etcd steps, no Kubernetes (remove, add learner, start etcd, promote, same check)", floor),
    `| the seed script's fixed sleeps alone (2 s + 2 s of polling) | 4.00 s | | |`,
    "",
    `Ratio of medians: ${(responder.median / floor.median).toFixed(2)}x the floor (target: at most 2x).`,
  ].join("\n");
}
