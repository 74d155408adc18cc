import { join } from "node:path";
import type { Logger } from "../logger.js";
import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { ExecStreams, PodLogOptions, PodRuntime } from "../pod-runtime.js";
import { catalogWithBuiltIns } from "../images/built-in-images.js";
import type { ImageCatalog } from "../images/image-catalog.js";
import { storeConfigSources } from "./config-sources.js";
import { readLogLines, renderLog } from "./container-log.js";
import type { KubeletEvents } from "./kubelet-events.js";
import { PodWorker } from "./pod-worker.js";
import type { PodSandboxes } from "./pod-sandbox.js";
import type { ProcessTracker } from "./process-tracker.js";
import type { ProjectedTokenIssuer } from "./projected-tokens.js";
import type { ApiServerEndpoint } from "./api-server-env.js";

export interface KubeletOptions {
  /** The sandbox's objects; the kubelet watches Pods, Secrets and ConfigMaps and writes Pod status. */
  store: ObjectStore;
  /** Pods live under `dataDir/pods/<namespace>_<name>_<uid>/` (volumes, logs, working directory). */
  dataDir: string;
  /** Where Pods' containers run and which addresses they get: namespaces of their own, or the host's. */
  sandboxes: PodSandboxes;
  /**
   * CrashLoopBackOff base in ms, default 1000 (Kubernetes: 10 s); capped at 30× base,
   * reset after a run longer than 60× base.
   */
  backoffBaseMs?: number;
  /** Told about every process group the kubelet starts and sees end. */
  processes?: ProcessTracker;
  logger: Logger;
  /** The node every Pod is bound to, default `sandbox`. */
  nodeName?: string;
  /** The images containers can run; default the built-in ones. Any other image fails to pull. */
  images?: ImageCatalog;
  /** Where the kubelet writes Events (and the scheduler's `Scheduled`); default nowhere. */
  events?: KubeletEvents;
  /**
   * Issues the tokens of projected `serviceAccountToken` sources (see `storeTokenIssuer`), which the kubelet
   * replaces once 80% of their lifetime has passed; without it such sources write nothing.
   */
  tokens?: ProjectedTokenIssuer;
  /**
   * Where containers reach the API server, read as each container starts: every container gets the
   * `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT` and `KUBERNETES_PORT*` variables for it. None without.
   */
  apiServer?: () => ApiServerEndpoint | undefined;
}

/** Grace period of containers when the kubelet itself stops. */
const STOP_GRACE_MS = 5000;
/** PATH for processes when the host has none. */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The sandbox's only node: runs the containers of every Pod as local process groups, in the Pod's sandbox
 * (namespaces of its own, or the host's on loopback; see `PodSandboxes`), and keeps the Pods' status as a
 * kubelet does.
 *
 * Not emulated: ephemeral containers, sidecars (init containers with `restartPolicy: Always`), preStop and
 * postStart hooks, gRPC probes, resource limits, hostPath volumes (they get an empty directory), projected
 * `serviceAccountToken` sources without `tokens` (they write nothing), updates of Secret, ConfigMap and downward
 * API volumes after the Pod started, and a file system per container and per restart (a Pod's containers share
 * one, kept across restarts).
 */
export class Kubelet implements PodRuntime {
  private readonly workers = new Map<string, PodWorker>();
  private readonly logger: Logger;
  private readonly podsDir: string;
  private readonly hostEnv: Record<string, string>;
  private readonly images: ImageCatalog;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly options: KubeletOptions) {
    if (options.backoffBaseMs !== undefined && !(options.backoffBaseMs > 0)) {
      throw new RangeError(`backoffBaseMs must be a positive number, got ${options.backoffBaseMs}`);
    }
    if (!options.dataDir) throw new RangeError("dataDir must name a directory");
    this.logger = options.logger.child({ name: "kubelet" });
    this.podsDir = join(options.dataDir, "pods");
    // Only PATH and HOME of the sandbox reach containers, as an image's environment would.
    this.hostEnv = { PATH: process.env.PATH || DEFAULT_PATH, HOME: process.env.HOME || "/" };
    this.images = options.images ?? catalogWithBuiltIns();
  }

  /** Starts watching the store and runs the Pods already in it. */
  start(): void {
    if (this.unsubscribe || this.stopping) return;
    this.unsubscribe = this.options.store.subscribe((event) => this.onStoreEvent(event));
    for (const pod of this.options.store.list("pods")) this.adopt(pod);
  }

  /**
   * Stops every container (SIGTERM to its group, SIGKILL after `graceMs`, default 5 s); resolves when all
   * have exited.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const workers = [...this.workers.values()];
    await Promise.all(workers.map((w) => w.shutdown(graceMs)));
    this.workers.clear();
  }

  readLog(namespace: string, pod: string, options: PodLogOptions): string {
    const worker = this.workerOf(namespace, pod);
    const file = worker.runner(options.container).logFile(options.previous === true, pod);
    return renderLog(readLogLines(file), options, Date.now());
  }

  async exec(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    streams: ExecStreams,
  ): Promise<number> {
    const obj = this.options.store.get("pods", namespace, pod);
    const phase = (obj?.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      throw StatusError.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    }
    const runner = this.workerOf(namespace, pod).runner(container);
    if (!runner.isRunning) throw StatusError.badRequest(`container not found ("${runner.name}")`);
    return runner.exec(command, streams);
  }

  podNetworkNamespace(namespace: string, pod: string): string | undefined {
    const uid = this.options.store.get("pods", namespace, pod)?.metadata.uid;
    return uid ? this.workers.get(uid)?.networkNamespace : undefined;
  }

  private workerOf(namespace: string, pod: string): PodWorker {
    const obj = this.options.store.get("pods", namespace, pod);
    if (!obj) throw StatusError.notFound("pods", "", pod);
    const worker = this.workers.get(obj.metadata.uid ?? "");
    if (!worker) throw StatusError.badRequest(`pod ${pod} is not yet running on node ${this.nodeName}`);
    return worker;
  }

  private get nodeName(): string {
    return this.options.nodeName ?? "sandbox";
  }

  private onStoreEvent(event: StoreEvent): void {
    if (this.stopping) return;
    if (event.resource === "pods") {
      const worker = this.workers.get(event.object.metadata.uid ?? "");
      if (event.type === "DELETED") {
        if (worker) this.later(() => worker.forceDelete());
      } else if (!worker) {
        this.adopt(event.object);
      } else if (event.object.metadata.deletionTimestamp) {
        this.later(() => worker.requestDeletion());
      }
      return;
    }
    const volumeSources = ["secrets", "configmaps", "serviceaccounts", "persistentvolumeclaims", "persistentvolumes"];
    if (volumeSources.includes(event.resource)) {
      // A PersistentVolume has no namespace: every Pod waiting for a claim may be waiting for it.
      const namespace = event.object.metadata.namespace;
      for (const worker of this.workers.values()) {
        if (namespace === undefined || worker.namespace === namespace) this.later(() => worker.onConfigChanged());
      }
    }
  }

  /** Takes on a Pod: its worker is made now (so no event makes a second), started a tick later. */
  private adopt(pod: KubeObject): void {
    const uid = pod.metadata.uid;
    if (!uid || this.workers.has(uid)) return;
    const worker = new PodWorker(
      {
        store: this.options.store,
        podsDir: this.podsDir,
        sandboxes: this.options.sandboxes,
        nodeName: this.nodeName,
        backoffBaseMs: this.options.backoffBaseMs ?? 1000,
        tracker: this.options.processes,
        sources: storeConfigSources(this.options.store, {
          tokens: this.options.tokens,
          apiServer: this.options.apiServer,
        }),
        hostEnv: this.hostEnv,
        images: this.images,
        events: this.options.events,
        logger: this.logger,
        active: () => !this.stopping,
        addressFree: (worker) => this.addressFree(worker),
        onFinished: (done) => {
          if (this.workers.get(done.uid) === done) this.workers.delete(done.uid);
        },
      },
      pod,
    );
    this.workers.set(uid, worker);
    this.later(() => worker.start());
  }

  /** Waits for the terminating Pods that still run processes on `worker`'s address (see PodWorkerContext). */
  private async addressFree(worker: PodWorker): Promise<void> {
    const holders = [...this.workers.values()].filter(
      (w) => w !== worker && w.podIP === worker.podIP && w.running && w.terminating,
    );
    if (holders.length === 0) return;
    this.logger.info(
      { pod: `${worker.namespace}/${worker.name}`, podIP: worker.podIP, holders: holders.map((w) => w.name) },
      "waiting for the pods being deleted to release the address",
    );
    await Promise.all(holders.map((w) => w.stopped()));
  }

  /** Runs work outside the store's listener, so the kubelet's writes never nest inside a dispatch. */
  private later(work: () => void | Promise<void>): void {
    setImmediate(() => {
      try {
        const result = work();
        if (result) result.catch((error: unknown) => this.logger.error({ err: error }, "pod work failed"));
      } catch (error) {
        this.logger.error({ err: error }, "pod work failed");
      }
    });
  }
}
