import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import type { EventNote } from "../events/event-recorder.js";
import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { ImageCatalog } from "../images/image-catalog.js";
import type { ConfigSources } from "./config-sources.js";
import { ContainerRunner, rfc3339 } from "./container-runner.js";
import { VolumeSetupError } from "./errors.js";
import type { PodAddresses } from "./field-ref.js";
import { podFullName, podSpecOf, type ContainerSpec, type PodSpec } from "./pod-spec.js";
import { buildPodStatus, KUBELET_CONDITIONS, type PodCondition } from "./pod-status.js";
import { containerMounts, setUpVolumes, type VolumeTokenFile } from "./pod-volumes.js";
import { TokenRotation } from "./token-rotation.js";
import { podIdentity, podMounts } from "./pod-identity.js";
import { imageHostMounts } from "./image-mounts.js";
import { pullImage } from "./image-pull.js";
import type { PodSandbox, PodSandboxes } from "./pod-sandbox.js";
import type { ProcessTracker } from "./process-tracker.js";
import { containerFieldPath, sandboxFailedNote, scheduledNote, type KubeletEvents } from "./kubelet-events.js";

/** What every Pod worker shares with the kubelet. */
export interface PodWorkerContext {
  store: ObjectStore;
  /** Folder holding one directory per Pod. */
  podsDir: string;
  /** Where the Pod's containers run, and its address. */
  sandboxes: PodSandboxes;
  nodeName: string;
  backoffBaseMs: number;
  tracker: ProcessTracker | undefined;
  sources: ConfigSources;
  hostEnv: Record<string, string>;
  images: ImageCatalog;
  /** Where the Pod's Events go; none are written without. */
  events: KubeletEvents | undefined;
  logger: Logger;
  /** False once the kubelet is stopping: nothing more is started or written. */
  active(): boolean;
  /**
   * Resolves once no terminating Pod still runs a process on `worker`'s address. Isolated Pods each have an
   * address of their own; on loopback addresses a re-created member gets the one its Service holds, so its
   * containers wait until the Pod it replaces has let go of the address (its ports).
   */
  addressFree(worker: PodWorker): Promise<void>;
  /** The worker has nothing left to do (its Pod is gone and its directory deleted). */
  onFinished(worker: PodWorker): void;
}

/** Seconds Kubernetes gives a container to stop when nothing else says how long. */
const DEFAULT_GRACE_SECONDS = 30;
/** After SIGKILL, how long stopping containers may take before the wait gives up. */
const STOP_DEADLINE_MS = 10_000;

/**
 * One Pod on this node: admits it (node, addresses, start time), sets up its volumes, runs its init
 * containers one after the other to success and then its app containers, writes its status, and
 * carries out its deletion.
 */
export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `<podsDir>/<namespace>_<name>_<uid>`. */
  readonly dir: string;
  private pod: KubeObject;
  private readonly spec: PodSpec;
  private readonly addresses: PodAddresses;
  /** The app containers, in spec order. */
  private readonly appRunners: ContainerRunner[];
  /** The init containers, in spec order. */
  private readonly initRunners: ContainerRunner[];
  /** Init containers, then app containers. */
  private readonly runners: ContainerRunner[];
  /** The volumes' directories by volume name, once set up. */
  private volumeDirs: Map<string, string> | undefined;
  /** How many init containers have been started; they start one at a time, each after the previous succeeded. */
  private initsStarted = 0;
  private appsStarted = false;
  private readonly logger: Logger;
  private startTime = "";
  private admitted = false;
  private addressReady = false;
  private sandbox: PodSandbox | undefined;
  /** Set while the Pod's volumes and sandbox are being set up. */
  private preparing = false;
  private volumesReady = false;
  private lastVolumeError: string | undefined;
  /** Replaces the Pod's projected tokens before they expire, once its volumes are set up. */
  private tokenRotation: TokenRotation | undefined;
  private deletion: { deadlineAt: number; killTimer: NodeJS.Timeout | undefined } | undefined;
  /** The Pod is gone from the store (or the kubelet stops): no more writes. */
  private finished = false;
  private flushScheduled = false;

  constructor(
    private readonly ctx: PodWorkerContext,
    pod: KubeObject,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? "";
    this.namespace = pod.metadata.namespace ?? "default";
    this.name = pod.metadata.name;
    this.dir = join(ctx.podsDir, `${this.namespace}_${this.name}_${this.uid}`);
    this.spec = podSpecOf(pod);
    this.logger = ctx.logger.child({ pod: `${this.namespace}/${this.name}` });
    this.addresses = { podIP: "", hostIP: ctx.sandboxes.hostIP, nodeName: ctx.nodeName };
    const fullName = podFullName(pod);
    const podPolicy = this.spec.restartPolicy ?? "Always";
    const terminationGraceMs = (this.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    const initialReason = this.spec.initContainers.length > 0 ? "PodInitializing" : "ContainerCreating";
    const runnerFor = (container: ContainerSpec, init: boolean) =>
      new ContainerRunner({
        pod: () => this.pod,
        addresses: this.addresses,
        container,
        init,
        initialReason,
        restartPolicy: init && podPolicy === "Always" ? "OnFailure" : podPolicy,
        podFullName: fullName,
        workDir: join(this.dir, "work"),
        logDir: join(this.dir, "logs", container.name),
        sources: ctx.sources,
        hostEnv: ctx.hostEnv,
        images: ctx.images,
        backoffBaseMs: ctx.backoffBaseMs,
        terminationGraceMs,
        tracker: ctx.tracker,
        logger: this.logger,
        onChange: () => this.scheduleFlush(),
        record: (note) => this.record({ ...note, fieldPath: containerFieldPath(container.name, init) }),
      });
    this.initRunners = this.spec.initContainers.map((container) => runnerFor(container, true));
    this.appRunners = this.spec.containers.map((container) => runnerFor(container, false));
    this.runners = [...this.initRunners, ...this.appRunners];
  }

  /** Admits the Pod and starts its containers. */
  start(): void {
    const pod = this.latest();
    if (!pod || this.admitted || this.finished || !this.ctx.active()) return;
    if (pod.metadata.deletionTimestamp) {
      this.requestDeletion();
      return;
    }
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      // Kubernetes' scheduler reports the binding of a Pod no one had put on a node.
      this.ctx.events?.scheduler.record(pod, scheduledNote(this.namespace, this.name, this.ctx.nodeName));
    }
    const status = (pod.status ?? {}) as Record<string, unknown>;
    this.startTime = typeof status.startTime === "string" && status.startTime ? status.startTime : rfc3339(new Date());
    for (const sub of ["work", "logs", "volumes"]) mkdirSync(join(this.dir, sub), { recursive: true });
    this.admitted = true;
    void this.admit(pod).catch((error: unknown) => {
      // The Pod stays ContainerCreating, as with a CNI that fails to give it an address.
      this.sandboxFailed(error);
    });
  }

  /** Gives the Pod its sandbox and address, then sets up its volumes once the address is free. */
  private async admit(pod: KubeObject): Promise<void> {
    const sandbox = await this.ctx.sandboxes.create(pod, this.dir);
    this.sandbox = sandbox;
    if (this.finished) {
      await sandbox.release();
      return;
    }
    this.addresses.podIP = sandbox.ip;
    this.logger.info({ podIP: sandbox.ip }, "pod admitted");
    this.scheduleFlush();
    await this.ctx.addressFree(this);
    this.addressReady = true;
    if (!this.deletion && !this.finished && this.ctx.active()) await this.prepare();
  }

  /** The Pod's network namespace, when it is isolated and admitted. */
  get networkNamespace(): string | undefined {
    return this.sandbox?.netns;
  }

  /** The Pod's address, once admitted. */
  get podIP(): string {
    return this.addresses.podIP;
  }

  /**
   * Whether the Pod is going (deletion asked, removed from the store, or the kubelet stopping):
   * it starts nothing more.
   */
  get terminating(): boolean {
    return this.deletion !== undefined || this.finished || this.latest()?.metadata.deletionTimestamp !== undefined;
  }

  /** Whether a process of one of its containers is alive. */
  get running(): boolean {
    return this.runners.some((r) => r.isRunning);
  }

  /** Resolves when the containers of this terminating Pod have exited, or their stop deadline passed. */
  async stopped(): Promise<void> {
    const graceMs = Math.max(0, (this.deletion?.deadlineAt ?? Date.now()) - Date.now());
    await this.waitStopped(graceMs);
  }

  /** A Secret or ConfigMap of the Pod's namespace changed: retry what waited for one. */
  onConfigChanged(): void {
    if (!this.admitted || !this.addressReady || this.deletion || this.finished || !this.ctx.active()) return;
    if (!this.volumesReady) void this.prepare();
    else for (const runner of this.runners) runner.retryConfig();
  }

  /**
   * The Pod got a deletionTimestamp: SIGTERM every container, SIGKILL after the grace period, then delete
   * the Pod's directory and remove it from the store. Asked again with a shorter grace period, it kills sooner.
   */
  requestDeletion(): void {
    if (this.finished) return;
    const pod = this.latest() ?? this.pod;
    const graceSeconds = Math.max(
      0,
      pod.metadata.deletionGracePeriodSeconds ?? this.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
    );
    const graceMs = graceSeconds * 1000;
    const deadlineAt = Date.now() + graceMs;
    if (this.deletion) {
      if (deadlineAt < this.deletion.deadlineAt) {
        clearTimeout(this.deletion.killTimer);
        this.deletion.deadlineAt = deadlineAt;
        this.deletion.killTimer = this.killAfter(graceMs);
      }
      return;
    }
    this.logger.info({ graceSeconds }, "deleting pod");
    this.deletion = { deadlineAt, killTimer: undefined };
    for (const runner of this.runners) {
      runner.noteStopping();
      runner.halt();
      runner.signal(graceMs > 0 ? "SIGTERM" : "SIGKILL");
    }
    this.deletion.killTimer = this.killAfter(graceMs);
    void this.finishDeletion(graceMs);
  }

  /** The Pod was removed from the store while it still ran (forced deletion): kill everything now. */
  async forceDelete(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.logger.info("pod removed from the store, killing its containers");
    for (const runner of this.runners) {
      runner.halt();
      runner.signal("SIGKILL");
    }
    await this.waitStopped(0);
    clearTimeout(this.deletion?.killTimer);
    await this.releaseSandbox();
    rmSync(this.dir, { recursive: true, force: true });
    this.ctx.onFinished(this);
  }

  /** The kubelet stops: every container gets SIGTERM, SIGKILL after `graceMs`; the store is left as it is. */
  async shutdown(graceMs: number): Promise<void> {
    this.finished = true;
    for (const runner of this.runners) {
      runner.halt();
      runner.signal("SIGTERM");
    }
    const killTimer = this.killAfter(graceMs);
    try {
      await this.waitStopped(graceMs);
    } finally {
      clearTimeout(killTimer);
      clearTimeout(this.deletion?.killTimer);
    }
    await this.releaseSandbox();
  }

  /**
   * The runner of a container or init container, by name; without a name, the only app container. Throws 400
   * as the API server does.
   */
  runner(container: string | undefined): ContainerRunner {
    if (container === undefined || container === "") {
      const only = this.appRunners.length === 1 ? this.appRunners[0] : undefined;
      if (only) return only;
      const names = (runners: ContainerRunner[]) => `[${runners.map((r) => r.name).join(" ")}]`;
      const inits = this.initRunners.length > 0 ? ` or one of the init containers: ${names(this.initRunners)}` : "";
      throw StatusError.badRequest(
        `a container name must be specified for pod ${this.name}, choose one of: ${names(this.appRunners)}${inits}`,
      );
    }
    const found = this.runners.find((r) => r.name === container);
    if (!found) throw StatusError.badRequest(`container ${container} is not valid for pod ${this.name}`);
    return found;
  }

  private async prepare(): Promise<void> {
    if (this.preparing || this.volumesReady) return;
    this.preparing = true;
    try {
      await this.prepareOnce();
    } finally {
      this.preparing = false;
    }
  }

  private async prepareOnce(): Promise<void> {
    const sandbox = this.sandbox;
    if (!sandbox) return;
    let dirs: Map<string, string>;
    let tokens: VolumeTokenFile[];
    try {
      const setup = setUpVolumes(
        join(this.dir, "volumes"),
        this.latest() ?? this.pod,
        this.addresses,
        this.ctx.sources,
      );
      dirs = setup.dirs;
      tokens = setup.tokens;
      if (setup.unsupported.length > 0) {
        this.logger.warn({ volumes: setup.unsupported }, "volume sources not emulated, they hold no files");
      }
    } catch (error) {
      if (!(error instanceof VolumeSetupError)) throw error;
      // The Pod stays ContainerCreating until the Secret or ConfigMap appears.
      if (error.message !== this.lastVolumeError) this.logger.warn({ reason: error.message }, "volume setup failed");
      this.lastVolumeError = error.message;
      return;
    }
    const containers = [...this.spec.initContainers, ...this.spec.containers];
    try {
      const mounts = podMounts(containers, this.spec.volumes ?? [], dirs, (conflict) =>
        this.logger.warn(conflict, "containers mount different volumes at one path: the first one is mounted"),
      );
      const hostPaths = containers.flatMap((container) => imageHostPaths(this.ctx.images, container.image));
      await sandbox.start(podIdentity(this.pod, this.spec), [...mounts, ...imageHostMounts(mounts, hostPaths)]);
    } catch (error) {
      this.sandboxFailed(error);
      return;
    }
    if (this.terminating || !this.ctx.active()) return;
    this.volumesReady = true;
    this.volumeDirs = dirs;
    const issuer = this.ctx.sources.tokens;
    if (issuer && tokens.length > 0) {
      this.tokenRotation = new TokenRotation(() => this.latest() ?? this.pod, issuer, this.logger);
      this.tokenRotation.start(tokens);
    }
    this.startNext();
  }

  /** The Pod's sandbox could not be made: it stays ContainerCreating, as with a failing container runtime. */
  private sandboxFailed(error: unknown): void {
    this.logger.error({ err: error }, "creating the pod sandbox failed");
    this.record(sandboxFailedNote(error instanceof Error ? error.message : String(error)));
  }

  /** Ends what is left in the Pod's sandbox and frees its address, once its containers have stopped. */
  private async releaseSandbox(): Promise<void> {
    this.tokenRotation?.stop();
    try {
      await this.sandbox?.release();
    } catch (error) {
      this.logger.error({ err: error }, "removing the pod sandbox failed");
    }
  }

  /**
   * Starts what comes next: the first init container not yet started once the one before it succeeded,
   * or the app containers once every init container has. Called again at every container change.
   */
  private startNext(): void {
    const dirs = this.volumeDirs;
    if (!dirs || this.appsStarted || this.terminating || !this.ctx.active()) return;
    const previous = this.initRunners[this.initsStarted - 1];
    if (previous && !previous.succeeded) return;
    const sandbox = this.sandbox;
    if (!sandbox) return;
    const start = (runner: ContainerRunner, container: ContainerSpec) =>
      runner.start(containerMounts(container, dirs), sandbox);
    const next = this.initRunners[this.initsStarted];
    const nextSpec = this.spec.initContainers[this.initsStarted];
    if (next && nextSpec) {
      this.initsStarted += 1;
      start(next, nextSpec);
      return;
    }
    this.appsStarted = true;
    this.appRunners.forEach((runner, index) => {
      const container = this.spec.containers[index];
      if (container) start(runner, container);
    });
  }

  private async finishDeletion(graceMs: number): Promise<void> {
    await this.waitStopped(graceMs);
    clearTimeout(this.deletion?.killTimer);
    if (this.finished) return;
    // The containers' final states, as the kubelet reports them before the Pod goes.
    this.flush();
    this.finished = true;
    await this.releaseSandbox();
    rmSync(this.dir, { recursive: true, force: true });
    if (this.ctx.active() && this.latest()) {
      try {
        this.ctx.store.remove("pods", this.namespace, this.name);
      } catch (error) {
        this.logger.warn({ err: error }, "removing the deleted pod failed");
      }
    }
    this.logger.info("pod deleted");
    this.ctx.onFinished(this);
  }

  private killAfter(graceMs: number): NodeJS.Timeout {
    return setTimeout(() => {
      for (const runner of this.runners) runner.signal("SIGKILL");
    }, graceMs);
  }

  private async waitStopped(graceMs: number): Promise<void> {
    const results = await Promise.allSettled(this.runners.map((r) => r.whenStopped(graceMs + STOP_DEADLINE_MS)));
    for (const result of results) {
      if (result.status === "rejected") this.logger.error({ err: result.reason }, "container did not stop");
    }
  }

  /** The Pod as the store has it now, if it is still this Pod (same uid). */
  private latest(): KubeObject | undefined {
    const pod = this.ctx.store.get("pods", this.namespace, this.name);
    if (!pod || pod.metadata.uid !== this.uid) return undefined;
    this.pod = pod;
    return pod;
  }

  /** Writes an Event about the Pod as the kubelet, while the kubelet runs. */
  private record(note: EventNote): void {
    if (this.ctx.active()) this.ctx.events?.kubelet.record(this.latest() ?? this.pod, note);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.finished) return;
    this.flushScheduled = true;
    // Status changes are batched and never written from inside a store listener.
    setImmediate(() => {
      this.flushScheduled = false;
      this.startNext();
      this.flush();
    });
  }

  private flush(): void {
    if (this.finished || !this.admitted || !this.ctx.active()) return;
    const now = rfc3339(new Date());
    const terminal = this.deletion !== undefined && this.runners.every((r) => !r.isRunning);
    try {
      this.ctx.store.mutate("pods", this.namespace, this.name, (obj) => {
        if (obj.metadata.uid !== this.uid) return false;
        const spec = (obj.spec ?? {}) as Record<string, unknown>;
        const previous = (obj.status ?? {}) as Record<string, unknown>;
        const before = JSON.stringify([spec.nodeName, previous]);
        if (!spec.nodeName) spec.nodeName = this.ctx.nodeName;
        obj.spec = spec;
        const conditions = Array.isArray(previous.conditions) ? (previous.conditions as PodCondition[]) : [];
        const status = buildPodStatus({
          containers: this.appRunners.map((r) => r.status()),
          specContainers: this.spec.containers.map((c) => c.name),
          initContainers: this.initRunners.map((r) => r.status()),
          restartPolicy: this.spec.restartPolicy ?? "Always",
          podIP: this.addresses.podIP,
          hostIP: this.addresses.hostIP,
          startTime: this.startTime,
          terminal,
          previousConditions: conditions,
          now,
        });
        const foreign = conditions.filter((c) => !(KUBELET_CONDITIONS as readonly string[]).includes(c.type));
        obj.status = { ...previous, ...status, conditions: [...status.conditions, ...foreign] };
        return JSON.stringify([spec.nodeName, obj.status]) !== before;
      });
    } catch (error) {
      this.logger.error({ err: error }, "writing pod status failed");
    }
  }
}

/** The host folders the image of a container holds; none when the image cannot be pulled (its container says why). */
function imageHostPaths(images: ImageCatalog, image: string | undefined): readonly string[] {
  try {
    return pullImage(images, image)?.hostPaths ?? [];
  } catch {
    return [];
  }
}
