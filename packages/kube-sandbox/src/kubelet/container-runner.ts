import { rmSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Logger } from "../logger.js";
import type { KubeObject } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { ExecStreams } from "../pod-runtime.js";
import {
  buildContainerCommand,
  podWorkingDirectory,
  resolveCommand,
  workingDirectory,
  type ProcessCommand,
} from "./container-command.js";
import { buildContainerEnv } from "./container-env.js";
import { LogWriter } from "./container-log.js";
import type { ConfigSources } from "./config-sources.js";
import { CrashBackoff, crashLoopMessage } from "./crash-backoff.js";
import { withDeadline } from "./deadline.js";
import { ContainerConfigError, ContainerStartError } from "./errors.js";
import type { PodAddresses } from "./field-ref.js";
import { GroupProcess, type ProcessExit } from "./group-process.js";
import { imagePullBackOffMessage, ImagePullBackoff, ImagePullError, pullImage } from "./image-pull.js";
import { rewriteMountPaths, type MountMapping } from "./mount-paths.js";
import { httpGetCheck, tcpSocketCheck } from "./probe-checks.js";
import { Prober, type ProbeCheck, type ProbeOutcome } from "./prober.js";
import type { PodSandbox } from "./pod-sandbox.js";
import type { ContainerSpec, Probe, RestartPolicy } from "./pod-spec.js";
import type { ContainerState, ContainerStatus, TerminatedState } from "./pod-status.js";
import type { ProcessTracker } from "./process-tracker.js";
import type { ImageCatalog, ImageConfig } from "../images/image-catalog.js";
import {
  backOffNote,
  createdNote,
  failedNote,
  probeKillingNote,
  pullBackOffNote,
  pulledNote,
  pullFailedNote,
  startedNote,
  stoppingNote,
  unhealthyNote,
  type ContainerEventNote,
  type ProbeKind,
} from "./kubelet-events.js";

/** What a container runner needs from its Pod. */
export interface ContainerRunnerContext {
  /** The Pod as last seen, for the downward API. */
  pod(): KubeObject;
  addresses: PodAddresses;
  container: ContainerSpec;
  /** An init container: it runs no probes, and is ready once it has completed (exit code 0). */
  init: boolean;
  /** The waiting reason until the first start: `ContainerCreating`, or `PodInitializing` with init containers. */
  initialReason: string;
  /** For an init container, the Pod's policy with `Always` made `OnFailure`: a completed one is not run again. */
  restartPolicy: RestartPolicy;
  /** `<pod>_<namespace>(<uid>)`, for messages. */
  podFullName: string;
  /** Working directory of the container's processes when it sets no usable `workingDir`. */
  workDir: string;
  /** Folder of this container's run logs. */
  logDir: string;
  sources: ConfigSources;
  /** PATH and HOME of the host, the base of every process environment. */
  hostEnv: Record<string, string>;
  /** The images the container's image is pulled from. */
  images: ImageCatalog;
  /** Base of the CrashLoopBackOff and ImagePullBackOff delays. */
  backoffBaseMs: number;
  /** Grace period when the kubelet itself kills the container (failed liveness or startup probe). */
  terminationGraceMs: number;
  tracker: ProcessTracker | undefined;
  logger: Logger;
  /** The container's status changed. */
  onChange(): void;
  /** Writes an Event about this container (Pulled, Created, Started, Failed, BackOff, Unhealthy, Killing). */
  record(note: ContainerEventNote): void;
}

/** A run of the container whose process is alive. */
interface CurrentRun {
  process: GroupProcess;
  run: number;
  startedAt: string;
  /** Resolves when the run's exit has been handled. */
  handled: Promise<void>;
}

/** Exec processes are killed this long after being told to stop before the wait for them gives up. */
const EXEC_STOP_DEADLINE_MS = 5000;

/**
 * One container of a Pod: starts its process, restarts it under the Pod's restart policy with
 * CrashLoopBackOff, runs its probes, keeps the logs of its current and previous run, and reports its
 * `ContainerStatus`.
 */
export class ContainerRunner {
  private state: ContainerState;
  private lastState: ContainerState = {};
  /** Run whose log `kubectl logs` shows: the one `state` (or, while waiting, `lastState`) describes. */
  private stateRun: number | undefined;
  private lastStateRun: number | undefined;
  private lastTerminated: { terminated: TerminatedState; run: number } | undefined;
  private runs = 0;
  private ready = false;
  private started = false;
  private current: CurrentRun | undefined;
  private launching: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private probers: Prober[] = [];
  private readonly execs = new Set<GroupProcess>();
  private readonly backoff: CrashBackoff;
  private readonly pullBackoff: ImagePullBackoff;
  private halted = false;
  private configBlocked = false;
  /** The strongest signal asked for while halting, for a process that starts after the request. */
  private haltSignal: NodeJS.Signals | undefined;
  private processEnv: Record<string, string> | undefined;
  private mounts: MountMapping[] = [];
  private sandbox: PodSandbox | undefined;
  /** Working directory of the container's processes, as the Pod's file system names it. */
  private cwd = "";

  constructor(private readonly ctx: ContainerRunnerContext) {
    this.backoff = new CrashBackoff(ctx.backoffBaseMs);
    this.pullBackoff = new ImagePullBackoff(ctx.backoffBaseMs);
    this.state = { waiting: { reason: ctx.initialReason } };
  }

  get name(): string {
    return this.ctx.container.name;
  }

  /**
   * Starts the first run in the Pod's `sandbox`. `mounts` are the container's volume mounts, rewritten in its
   * words when the sandbox does not mount volumes itself.
   */
  start(mounts: MountMapping[], sandbox: PodSandbox): void {
    this.mounts = sandbox.mountsVolumes ? [] : mounts;
    this.sandbox = sandbox;
    void this.launch();
  }

  /** Tries again a start that waited for a Secret or ConfigMap. */
  retryConfig(): void {
    if (this.configBlocked && !this.current && !this.launching) void this.launch();
  }

  /** Whether a process of this container is alive. */
  get isRunning(): boolean {
    return this.current !== undefined;
  }

  /** Whether its last run exited with code 0 (for an init container: it completed and will not run again). */
  get succeeded(): boolean {
    return this.state.terminated?.exitCode === 0;
  }

  status(): ContainerStatus {
    const containerID = this.state.running
      ? this.current && `sandbox://${this.current.process.pid}`
      : (this.state.terminated ?? this.lastState.terminated)?.containerID;
    const status: ContainerStatus = {
      name: this.name,
      state: structuredClone(this.state),
      lastState: structuredClone(this.lastState),
      // As the kubelet reports them, an init container is started while it runs and ready once it completed.
      ready: this.ctx.init ? this.succeeded : this.ready,
      restartCount: Math.max(0, this.runs - 1),
      image: this.ctx.container.image ?? "",
      imageID: this.ctx.container.image ?? "",
      started: this.ctx.init ? this.current !== undefined : this.started,
    };
    if (containerID) status.containerID = containerID;
    return status;
  }

  /**
   * The log file `kubectl logs` reads: with `previous`, the run `lastState` describes; otherwise the current
   * run, or the last terminated one while the container waits to restart.
   */
  logFile(previous: boolean, podName: string): string {
    if (previous) {
      if (this.lastStateRun === undefined) {
        throw StatusError.badRequest(`previous terminated container "${this.name}" in pod "${podName}" not found`);
      }
      return this.logPath(this.lastStateRun);
    }
    const run = this.stateRun ?? this.lastStateRun;
    if (run === undefined) {
      const reason = this.state.waiting?.reason ?? "ContainerCreating";
      throw StatusError.badRequest(`container "${this.name}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    return this.logPath(run);
  }

  /**
   * Runs a command next to the container's process (its env, working directory and mounts) and resolves
   * to its exit code; 126 with a message on `stderr` when the executable is not found.
   */
  async exec(command: readonly string[], streams: ExecStreams, timeoutMs?: number): Promise<number> {
    const env = this.processEnv;
    const sandbox = this.sandbox;
    if (!this.current || !env || !sandbox) throw StatusError.badRequest(`container not found ("${this.name}")`);
    let resolved: ProcessCommand;
    try {
      resolved = resolveCommand(
        command.map((arg) => rewriteMountPaths(arg, this.mounts)),
        env.PATH ?? this.ctx.hostEnv.PATH ?? "",
        sandbox.hostPath("/"),
      );
    } catch (error) {
      if (!(error instanceof ContainerStartError)) throw error;
      writeQuietly(streams.stderr, `${error.message}\n`);
      return 126;
    }
    const entered = sandbox.enter(resolved, this.cwd);
    const child = new GroupProcess({
      command: entered.command,
      env,
      cwd: entered.cwd,
      onOutput: (stream, chunk) => writeQuietly(stream === "stdout" ? streams.stdout : streams.stderr, chunk),
      stdin: streams.stdin,
      tracker: this.ctx.tracker,
    });
    try {
      await child.started;
    } catch (error) {
      writeQuietly(streams.stderr, `${(error as Error).message}\n`);
      return 126;
    }
    this.execs.add(child);
    // The container may have ended while this process was starting; it must not outlive it.
    if (!this.current) child.signal("SIGKILL");
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.signal("SIGKILL"), timeoutMs);
    try {
      return (await child.exited).exitCode;
    } finally {
      clearTimeout(timer);
      this.execs.delete(child);
    }
  }

  /** No more starts or restarts: cancels a pending restart and the probes. */
  halt(): void {
    this.halted = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.stopProbes();
    if (this.state.waiting && this.lastTerminated && !this.current) {
      // A container waiting to restart will not: it stays terminated.
      this.state = { terminated: this.lastTerminated.terminated };
      this.stateRun = this.lastTerminated.run;
      this.ctx.onChange();
    }
  }

  /** Records that the container is being stopped with its Pod (`Killing`), when a process of it runs. */
  noteStopping(): void {
    if (this.current) this.ctx.record(stoppingNote(this.name));
  }

  /** Signals the running process group (and one that is just starting, once it has started). */
  signal(signal: NodeJS.Signals): void {
    if (signal === "SIGKILL" || !this.haltSignal) this.haltSignal = signal;
    this.current?.process.signal(signal);
  }

  /** Resolves when no process of the container (nor of an exec into it) is left; call after `halt`. */
  async whenStopped(timeoutMs: number): Promise<void> {
    const wait = async () => {
      await this.launching;
      await this.current?.handled;
    };
    await withDeadline(wait(), timeoutMs, `container ${this.name} of ${this.ctx.podFullName} to exit`);
    for (const exec of this.execs) exec.signal("SIGKILL");
    await withDeadline(
      Promise.all([...this.execs].map((e) => e.exited)),
      EXEC_STOP_DEADLINE_MS,
      `exec processes of container ${this.name} to exit`,
    );
  }

  private launch(): Promise<void> {
    if (this.halted || this.launching || this.current) return Promise.resolve();
    const launching = this.launchOnce()
      .catch((error: unknown) => this.ctx.logger.error({ err: error, container: this.name }, "container start failed"))
      .finally(() => {
        this.launching = undefined;
      });
    this.launching = launching;
    return launching;
  }

  private async launchOnce(): Promise<void> {
    const { container } = this.ctx;
    const sandbox = this.sandbox;
    if (!sandbox) throw new Error(`container ${this.name} launched before its Pod's sandbox was given`);
    let image: ImageConfig | undefined;
    try {
      image = pullImage(this.ctx.images, container.image);
    } catch (error) {
      if (!(error instanceof ImagePullError)) throw error;
      this.pullFailed(error);
      return;
    }
    if (container.image) this.ctx.record(pulledNote(container.image));
    let env: Map<string, string>;
    try {
      env = buildContainerEnv(this.ctx.pod(), container, this.ctx.addresses, this.ctx.sources);
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      this.ctx.record(failedNote(error.message));
      this.configBlocked = true;
      this.state = { waiting: { reason: "CreateContainerConfigError", message: error.message } };
      this.stateRun = undefined;
      this.ctx.onChange();
      return;
    }
    this.configBlocked = false;
    const processEnv: Record<string, string> = { ...this.ctx.hostEnv };
    for (const [name, value] of env) processEnv[name] = rewriteMountPaths(value, this.mounts);
    this.processEnv = processEnv;
    this.cwd = sandbox.mountsVolumes
      ? podWorkingDirectory(container.workingDir, sandbox.hostPath("/"))
      : workingDirectory(container.workingDir, this.mounts, this.ctx.workDir);

    const run = this.runs;
    this.runs += 1;
    if (run >= 2) rmSync(this.logPath(run - 2), { force: true });
    if (this.lastTerminated) {
      this.lastState = { terminated: this.lastTerminated.terminated };
      this.lastStateRun = this.lastTerminated.run;
    }
    const log = new LogWriter(this.logPath(run));
    const startedAt = rfc3339(new Date());
    this.ctx.record(createdNote(this.name));
    let proc: GroupProcess;
    try {
      const command = buildContainerCommand(
        container,
        env,
        this.mounts,
        processEnv.PATH ?? "",
        image,
        sandbox.hostPath("/"),
      );
      const entered = sandbox.enter(command, this.cwd);
      proc = new GroupProcess({
        command: entered.command,
        env: processEnv,
        cwd: entered.cwd,
        onOutput: (stream, chunk) => log.write(stream, chunk),
        tracker: this.ctx.tracker,
      });
      await proc.started;
    } catch (error) {
      if (!(error instanceof ContainerStartError)) {
        log.close();
        throw error;
      }
      log.writeLine("stderr", error.message);
      log.close();
      this.ctx.logger.warn({ container: this.name, reason: error.message }, "container failed to start");
      this.ctx.record(failedNote(error.message));
      this.finishRun(
        run,
        { exitCode: 128, reason: "StartError", message: error.message, startedAt, finishedAt: startedAt },
        0,
      );
      return;
    }
    const handled = proc.exited.then((exit) => {
      log.close();
      this.onExit(run, proc, startedAt, exit);
    });
    this.current = { process: proc, run, startedAt, handled };
    this.state = { running: { startedAt } };
    this.stateRun = run;
    this.ctx.logger.info({ container: this.name, pid: proc.pid, restartCount: run }, "container started");
    this.ctx.record(startedNote(this.name));
    if (this.haltSignal) proc.signal(this.haltSignal);
    if (!this.ctx.init) this.startProbes(proc);
    this.ctx.onChange();
  }

  private onExit(run: number, proc: GroupProcess, startedAt: string, exit: ProcessExit): void {
    this.current = undefined;
    this.stopProbes();
    this.ready = false;
    this.started = false;
    for (const exec of this.execs) exec.signal("SIGKILL");
    const terminated: TerminatedState = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? "Completed" : "Error",
      startedAt,
      finishedAt: rfc3339(exit.finishedAt),
      containerID: `sandbox://${proc.pid}`,
    };
    this.ctx.logger.info({ container: this.name, pid: proc.pid, exitCode: exit.exitCode }, "container exited");
    this.finishRun(run, terminated, exit.finishedAt.getTime() - proc.startedAt.getTime());
  }

  /**
   * The image could not be pulled: the container waits with the pull's reason until the kubelet's next look
   * at it (one back-off base later), then in ImagePullBackOff until the back-off has passed, and tries again.
   * A malformed reference is not tried again.
   */
  private pullFailed(error: ImagePullError): void {
    // As a kubelet words them: what failed, then the waiting reason as an error.
    this.ctx.record(pullFailedNote(error.message));
    this.ctx.record(failedNote(error.reason));
    this.state = { waiting: { reason: error.reason, message: error.message } };
    this.stateRun = undefined;
    this.ctx.logger.warn({ container: this.name, reason: error.message }, "container image not pulled");
    this.ctx.onChange();
    if (error.reason !== "ErrImagePull") return;
    const backoffMs = this.pullBackoff.nextDelay();
    this.restartTimer = setTimeout(() => {
      const message = imagePullBackOffMessage(this.ctx.container.image ?? "");
      this.ctx.record(pullBackOffNote(message));
      this.ctx.record(failedNote("ImagePullBackOff"));
      this.state = { waiting: { reason: "ImagePullBackOff", message } };
      this.ctx.onChange();
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        void this.launch();
      }, backoffMs);
    }, this.ctx.backoffBaseMs);
  }

  /** Records a finished run and restarts the container when the policy says so. */
  private finishRun(run: number, terminated: TerminatedState, runMs: number): void {
    this.lastTerminated = { terminated, run };
    this.state = { terminated };
    this.stateRun = run;
    const policy = this.ctx.restartPolicy;
    const restart = !this.halted && (policy === "Always" || (policy === "OnFailure" && terminated.exitCode !== 0));
    if (!restart) {
      this.ctx.onChange();
      return;
    }
    const delayMs = this.backoff.nextDelay(runMs);
    if (delayMs > 0) {
      this.lastState = { terminated };
      this.lastStateRun = run;
      this.state = {
        waiting: { reason: "CrashLoopBackOff", message: crashLoopMessage(delayMs, this.name, this.ctx.podFullName) },
      };
      this.stateRun = undefined;
      this.ctx.record(backOffNote(this.name, this.ctx.podFullName));
    }
    // Even an immediate restart goes through a timer: a start that failed is still inside its launch.
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.launch();
    }, delayMs);
    this.ctx.onChange();
  }

  private startProbes(proc: GroupProcess): void {
    const { container } = this.ctx;
    const startMain = () => {
      this.started = true;
      if (container.livenessProbe) {
        this.addProber(container.livenessProbe, "Liveness", (ok) => {
          if (!ok) this.killForProbe(proc, "Liveness");
        });
      }
      if (container.readinessProbe) {
        this.addProber(container.readinessProbe, "Readiness", (ok) => {
          this.ready = ok && this.current?.process === proc;
          this.ctx.onChange();
        });
      } else {
        this.ready = true;
      }
      this.ctx.onChange();
    };
    if (!container.startupProbe) {
      startMain();
      return;
    }
    const startup = this.addProber(container.startupProbe, "Startup", (ok) => {
      if (!ok) return this.killForProbe(proc, "Startup");
      startup.stop();
      startMain();
    });
  }

  private addProber(probe: Probe, kind: ProbeKind, onResult: (ok: boolean) => void): Prober {
    const prober = new Prober({
      probe,
      check: this.probeCheck(probe),
      onResult,
      onFailure: (output) => this.ctx.record(unhealthyNote(kind, output)),
    });
    this.probers.push(prober);
    prober.start();
    return prober;
  }

  private probeCheck(probe: Probe): ProbeCheck {
    const { addresses, container } = this.ctx;
    if (probe.httpGet) return httpGetCheck(probe.httpGet, addresses.podIP, container.ports);
    if (probe.tcpSocket)
      return tcpSocketCheck(probe.tcpSocket.port, probe.tcpSocket.host, addresses.podIP, container.ports);
    const command = probe.exec?.command;
    if (command?.length) return (timeoutMs) => this.execCheck(command, timeoutMs);
    // A probe without a handler (gRPC is not emulated) never succeeds, as a misconfigured probe would not.
    return () => Promise.resolve({ ok: false, output: "probe has no handler the sandbox runs" });
  }

  /** An `exec` probe: success is exit code 0; a failure says what the command printed, as the kubelet does. */
  private async execCheck(command: readonly string[], timeoutMs: number): Promise<ProbeOutcome> {
    const chunks: Buffer[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const began = Date.now();
    const code = await this.exec(command, { stdout: output, stderr: output }, timeoutMs);
    if (code === 0) return { ok: true, output: "" };
    if (Date.now() - began >= timeoutMs) {
      return { ok: false, output: `command ${JSON.stringify(command.join(" "))} timed out` };
    }
    return { ok: false, output: Buffer.concat(chunks).toString() };
  }

  private killForProbe(proc: GroupProcess, kind: ProbeKind): void {
    if (this.current?.process !== proc) return;
    this.ctx.logger.info(
      { container: this.name, pid: proc.pid },
      `${kind.toLowerCase()} probe failed, killing container`,
    );
    // A killed process exits non-zero, so any policy but Never starts it again.
    this.ctx.record(probeKillingNote(this.name, kind, !this.halted && this.ctx.restartPolicy !== "Never"));
    this.stopProbes();
    proc.terminate(this.ctx.terminationGraceMs).catch((error: unknown) => {
      this.ctx.logger.error({ err: error, container: this.name }, "container did not exit after a failed probe");
    });
  }

  private stopProbes(): void {
    for (const prober of this.probers) prober.stop();
    this.probers = [];
  }

  private logPath(run: number): string {
    return join(this.ctx.logDir, `${run}.log`);
  }
}

/** Kubernetes times: RFC 3339 in UTC with whole seconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

function writeQuietly(stream: NodeJS.WritableStream | undefined, chunk: Buffer | string): void {
  if (!stream) return;
  try {
    stream.write(chunk);
  } catch {
    // A client that went away must not take the container with it.
  }
}
