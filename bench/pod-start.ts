import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "kube-sandbox";
import { ms, summarize, summaryRow, type Summary } from "./stats.js";

const RUNS = 7;
const NAMESPACE = "default";
/** How long one Pod may take to become Ready, or to be gone after its deletion. */
const WAIT_MS = 60_000;

/** The two ways the sandbox runs Pods: namespaces of their own (the default as root), or loopback (the baseline). */
type MeasuredMode = "namespaces" | "loopback";
const MODES: readonly MeasuredMode[] = ["namespaces", "loopback"];

/** The Pods timed: one with no probe, one whose readiness is etcd's own `/health`. */
type PodKind = "busybox" | "etcd";
const KINDS: readonly PodKind[] = ["busybox", "etcd"];

/** A `busybox` Pod running `sleep`, no probe: Ready once its container runs. */
function busyboxPod(name: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "pod-start" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "3600"] }],
    },
  };
}

/** A single-member etcd on the Pod's address, Ready once its `/health` answers (probed every second). */
function etcdPod(name: string): V1Pod {
  const listen = (port: number) => `http://$(POD_IP):${port}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "pod-start" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "etcd",
          image: "quay.io/coreos/etcd:v3.4.23",
          command: ["etcd"],
          args: [
            `--name=${name}`,
            "--data-dir=/var/lib/etcd/default.etcd",
            `--listen-client-urls=${listen(2379)}`,
            `--advertise-client-urls=${listen(2379)}`,
            `--listen-peer-urls=${listen(2380)}`,
            `--initial-advertise-peer-urls=${listen(2380)}`,
            `--initial-cluster=${name}=${listen(2380)}`,
          ],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          readinessProbe: { httpGet: { path: "/health", port: 2379 }, initialDelaySeconds: 0, periodSeconds: 1 },
          volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }],
        },
      ],
      volumes: [{ name: "data", emptyDir: {} }],
    },
  };
}

function isReady(pod: KubeObject | undefined): boolean {
  const conditions = (pod?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** One started sandbox and an API client of it. */
class PodStarts {
  private created = 0;

  private constructor(
    readonly mode: MeasuredMode,
    private readonly dir: string,
    private readonly sandbox: Sandbox,
    private readonly core: CoreV1Api,
  ) {}

  static async start(mode: MeasuredMode): Promise<PodStarts> {
    const dir = await mkdtemp(join(tmpdir(), `bench-pod-start-${mode}-`));
    try {
      const sandbox = await startSandbox({ dir, isolation: mode });
      const kc = new KubeConfig();
      kc.loadFromFile(sandbox.kubeconfig);
      return new PodStarts(mode, dir, sandbox, kc.makeApiClient(CoreV1Api));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Creates a Pod of `kind` through the API server (as `kubectl apply` does) and times it to its Ready
   * condition, as the store the API server serves shows it; then deletes it and waits until it is gone.
   */
  async timeToReady(kind: PodKind): Promise<number> {
    const name = `${kind}-${++this.created}`;
    const body = kind === "busybox" ? busyboxPod(name) : etcdPod(name);
    const store = this.sandbox.store;
    const started = performance.now();
    await this.core.createNamespacedPod({ namespace: NAMESPACE, body });
    await waitForStore(
      store,
      () => isReady(store.get("pods", NAMESPACE, name)),
      `Pod ${name} (${this.mode}) to be Ready`,
      WAIT_MS,
    );
    const elapsed = performance.now() - started;
    await this.core.deleteNamespacedPod({ name, namespace: NAMESPACE });
    await waitForStore(
      store,
      () => !store.get("pods", NAMESPACE, name),
      `Pod ${name} (${this.mode}) to be gone`,
      WAIT_MS,
    );
    return elapsed;
  }

  async stop(): Promise<void> {
    await this.sandbox.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Medians of Pod creation to Ready, per isolation mode and Pod kind. */
export type PodStartResult = Record<MeasuredMode, Record<PodKind, Summary>>;

/** Starts one sandbox per isolation mode, then times `RUNS` Pods of each kind in each, interleaved. */
export async function benchPodStart(): Promise<PodStartResult> {
  const sandboxes: PodStarts[] = [];
  const samples: Record<MeasuredMode, Record<PodKind, number[]>> = {
    namespaces: { busybox: [], etcd: [] },
    loopback: { busybox: [], etcd: [] },
  };
  try {
    for (const mode of MODES) sandboxes.push(await PodStarts.start(mode));
    // Interleaved, so that both modes see the same machine load.
    for (let run = 0; run < RUNS; run++) {
      for (const kind of KINDS) {
        for (const sandbox of sandboxes) samples[sandbox.mode][kind].push(await sandbox.timeToReady(kind));
      }
    }
  } finally {
    for (const sandbox of sandboxes) await sandbox.stop();
  }
  const summaries = (mode: MeasuredMode) => ({
    busybox: summarize(samples[mode].busybox),
    etcd: summarize(samples[mode].etcd),
  });
  return { namespaces: summaries("namespaces"), loopback: summaries("loopback") };
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderPodStart(result: PodStartResult): string {
  const ratio = (kind: PodKind) => (result.namespaces[kind].median / result.loopback[kind].median).toFixed(2);
  return [
    `### Pod start to Ready (one sandbox per mode, ${result.namespaces.busybox.runs} Pods of each kind, interleaved)`,
    "",
    "Each Pod is created through the API server (`POST /api/v1/namespaces/default/pods`, as `kubectl apply`",
    "does) and timed until the store the API server serves shows its `Ready` condition `True`.",
    "",
    "| what | median | min | max |",
    "|---|---|---|---|",
    summaryRow("`busybox` running `sleep`, no probe — namespaces", result.namespaces.busybox),
    summaryRow("baseline: the same on loopback", result.loopback.busybox),
    summaryRow("single-member etcd, readiness `httpGet /health` every 1 s — namespaces", result.namespaces.etcd),
    summaryRow("baseline: the same on loopback", result.loopback.etcd),
    "",
    `Namespaces to loopback (medians): busybox ${ratio("busybox")}x ` +
      `(${ms(result.namespaces.busybox.median)} vs ${ms(result.loopback.busybox.median)}), ` +
      `etcd ${ratio("etcd")}x (${ms(result.namespaces.etcd.median)} vs ${ms(result.loopback.etcd.median)}).`,
  ].join("\n");
}
