import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import { createInterface } from "node:readline";
import { IsolationError } from "./isolation-error.js";
import { POD_INIT_SCRIPT, podFstab, PREPARE_MOUNT_POINTS } from "./pod-init-script.js";

/** A host path mounted into a Pod at its real mount path. */
export interface PodVolumeMount {
  /** Absolute path on the host: a folder or a file. */
  hostPath: string;
  /** Absolute path inside the Pod. */
  mountPath: string;
  /** Whether the Pod may not write to it. */
  readOnly: boolean;
}

/** What `PodProcess.start` isolates a Pod with. */
export interface PodProcessOptions {
  /** The Pod's name; its processes see it as the host name (as Kubernetes does, its first 63 characters). */
  name: string;
  /** The Pod's named network namespace (`PodNetwork.addPod`). */
  netns: string;
  /** Folder for the Pod's copy-on-write layer (`upper`, `work`) and its root (`root`); created if missing. */
  dataDir: string;
  /** Volumes, mounted in order. Default none. */
  volumes?: PodVolumeMount[];
  /** Milliseconds the first process may take to set the Pod up. Default 15000. */
  startTimeoutMs?: number;
}

/** Options of a process started in a running Pod. */
export interface PodExecOptions {
  /** Its environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Working directory inside the Pod; default `/`. */
  cwd?: string;
  /** As for `child_process.spawn`; default all pipes. */
  stdio?: SpawnOptions["stdio"];
}

/** What `ip netns add` accepts as a name, without a way out of /run/netns. */
const NETNS_NAME = /^[A-Za-z0-9_.-]+$/;

/** Milliseconds `stop` waits for the Pod's first process before it SIGKILLs its process group. */
const STOP_GRACE_MS = 5_000;

/**
 * A Pod's first process: it holds the Pod's mount, PID, UTS and IPC namespaces (joined to its network
 * namespace) for as long as the Pod lives, like Kubernetes' pause container. Containers and exec sessions
 * are started with `spawn`, which enters those namespaces. It is the leader of its own process group
 * (`pgid`), for a process guard to track; when it ends, the kernel kills every process of the Pod.
 */
export class PodProcess {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly leader: ChildProcess,
    /** Host pid of the Pod's PID 1, whose namespaces `spawn` enters. */
    readonly pid: number,
  ) {
    this.exited =
      leader.exitCode !== null ? Promise.resolve() : new Promise((done) => leader.once("exit", () => done()));
  }

  /**
   * Starts the first process of a Pod and resolves once its file system, host name and namespaces are set
   * up. Throws `IsolationError` with the setup's error output when it fails or takes too long.
   */
  static async start(options: PodProcessOptions): Promise<PodProcess> {
    const volumes = options.volumes ?? [];
    for (const volume of volumes) checkVolume(volume);
    if (!NETNS_NAME.test(options.netns) || options.netns === "." || options.netns === "..")
      throw new IsolationError(`not a network namespace name: ${JSON.stringify(options.netns)}`);
    const root = join(options.dataDir, "root");
    const upper = join(options.dataDir, "upper");
    const work = join(options.dataDir, "work");
    for (const dir of [root, upper, work]) mkdirSync(dir, { recursive: true });
    const devFiles = writeDevFiles(join(options.dataDir, "dev"));
    const fstab = podFstab(root, upper, work);
    const fstabFiles = (["first", "last"] as const).map((part) => {
      const path = join(options.dataDir, `fstab.${part}`);
      writeFileSync(path, fstab[part]);
      return path;
    });
    const mountPoints = volumes.flatMap((volume) => [volumeKind(volume), normalize(volume.mountPath)]);
    const sources = volumes.flatMap((volume) => [volume.hostPath, volume.readOnly ? "ro" : "rw"]);
    const leader = spawn(
      "nsenter",
      [
        `--net=/run/netns/${options.netns}`,
        "--",
        ...["unshare", "--mount", "--pid", "--uts", "--ipc", "--fork", "--kill-child", "--propagation", "private"],
        ...["--", "/bin/sh", "-c", POD_INIT_SCRIPT, "pod-init", root, podHostname(options.name), devFiles],
        ...[PREPARE_MOUNT_POINTS, ...fstabFiles, String(volumes.length), ...mountPoints, ...sources],
      ],
      { detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const pid = await readyPid(leader, options.startTimeoutMs ?? 15_000).catch((err: unknown) => {
      killGroup(leader, "SIGKILL");
      throw err;
    });
    return new PodProcess(leader, pid);
  }

  /** The process group holding the Pod's first process (a process guard tracks it). */
  get pgid(): number {
    return this.leader.pid ?? 0;
  }

  /**
   * Starts `command` inside the Pod: its namespaces, root and working directory. It leads a process group of
   * its own (`nsenter` outside the Pod, `command` inside), which the caller stops; the Pod's end stops it too.
   */
  spawn(command: string, args: readonly string[] = [], options: PodExecOptions = {}): ChildProcess {
    return spawn("nsenter", enterPodArgs(this.pid, [command, ...args], options.cwd), {
      env: options.env ?? process.env,
      stdio: options.stdio ?? "pipe",
      detached: true,
    });
  }

  /**
   * Ends the Pod: SIGTERM to its first process, whose end makes the kernel kill every process of the Pod,
   * and SIGKILL to its process group when it has not ended within 5 s. Resolves once it has exited.
   */
  async stop(): Promise<void> {
    if (this.leader.exitCode !== null || this.leader.signalCode !== null) return;
    try {
      process.kill(this.pid, "SIGTERM");
    } catch {
      // It has just ended.
    }
    const timer = setTimeout(() => killGroup(this.leader, "SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The `nsenter` arguments that run `argv` in the namespaces, root and working directory (default `/`) of
 * the Pod whose first process has host pid `podPid`: what `kubectl exec` and a Pod's containers use.
 * `argv` runs without CAP_NET_ADMIN, as Kubernetes' default capabilities have it, so nothing in the Pod can
 * add a route (a default one, say) or change its interfaces.
 */
export function enterPodArgs(podPid: number, argv: readonly string[], cwd = "/"): string[] {
  if (!isAbsolute(cwd)) throw new IsolationError(`working directory must be absolute, got ${JSON.stringify(cwd)}`);
  return [
    ...["--target", String(podPid), "--mount", "--pid", "--uts", "--ipc", "--net", "--root", `--wdns=${cwd}`],
    ...["--", "setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--", ...argv],
  ];
}

/** A Pod's host name as Kubernetes sets it: the name's first 63 characters, without a trailing `-` or `.`. */
export function podHostname(name: string): string {
  const hostname = name.slice(0, 63).replace(/[-.]+$/, "");
  if (hostname === "") throw new IsolationError(`a Pod name gives no host name: ${JSON.stringify(name)}`);
  return hostname;
}

function checkVolume(volume: PodVolumeMount): void {
  if (/[\n\0]/.test(volume.hostPath + volume.mountPath))
    throw new IsolationError(`volume paths must not hold a line break: ${JSON.stringify(volume)}`);
  if (!isAbsolute(volume.hostPath) || !isAbsolute(volume.mountPath) || normalize(volume.mountPath) === "/")
    throw new IsolationError(`volume paths must be absolute and not /: ${JSON.stringify(volume)}`);
  if (normalize(volume.mountPath).split("/").includes(".."))
    throw new IsolationError(`volume mountPath must not climb with ..: ${volume.mountPath}`);
}

/** `dir` when a volume's host path is a folder, else `file`: what its mount point must be. */
function volumeKind(volume: PodVolumeMount): "dir" | "file" {
  try {
    return statSync(volume.hostPath).isDirectory() ? "dir" : "file";
  } catch (err) {
    throw new IsolationError(`volume ${volume.hostPath} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * Writes the parts of a Pod's `/dev` that are not device nodes (the `pts` and `shm` mount points, the
 * `ptmx` and `fd` links) into `dir`, which the init script copies along with the device nodes.
 */
function writeDevFiles(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "pts"), { recursive: true });
  mkdirSync(join(dir, "shm"));
  symlinkSync("pts/ptmx", join(dir, "ptmx"));
  symlinkSync("/proc/self/fd", join(dir, "fd"));
  return dir;
}

/** Waits for the `ready PID` line of the init script. */
function readyPid(leader: ChildProcess, timeoutMs: number): Promise<number> {
  let stderr = "";
  leader.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new IsolationError(`Pod setup did not finish within ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    createInterface({ input: leader.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      const match = /^ready (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new IsolationError(`Pod setup printed ${JSON.stringify(line)} instead of its pid`));
    });
    leader.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new IsolationError(`Pod setup failed (exit ${code ?? signal}): ${stderr.trim()}`));
    });
    leader.once("error", (err) => {
      clearTimeout(timer);
      reject(new IsolationError(`cannot start nsenter: ${err.message}`));
    });
  });
}

function killGroup(leader: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (leader.pid) process.kill(-leader.pid, signal);
  } catch {
    // Gone already.
  }
}
