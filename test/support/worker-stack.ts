import type { KubeConfig } from "@kubernetes/client-node";
import { writeKeys } from "./etcd-cluster-checks.js";
import { kubeConfigFrom } from "./pod-watch.js";
import { startRedis, type TestRedis } from "./redis-server.js";
import { startResponder, type ResponderProcess } from "./responder-process.js";
import { writeServiceConfig } from "./sandbox-config.js";
import { startSandboxProcess, type SandboxProcess, type SandboxProcessOptions } from "./sandbox-process.js";
import { serviceApi, type ServiceApi } from "./service-api.js";

/**
 * A Redis, an etcd sandbox with keys written, and a receiver (`serve`) on a configuration whose Lease lasts
 * `leaseDurationSeconds`; worker processes are started apart, so that a test can kill one and start another.
 */
export interface WorkerStack {
  redis: TestRedis;
  sandbox: SandboxProcess;
  kc: KubeConfig;
  /** The configuration file every process of the stack runs on. */
  config: string;
  receiver: ResponderProcess;
  api: ServiceApi;
  /** Starts one worker process (`worker`) on the stack's configuration; it is stopped with the stack. */
  startWorker(): Promise<ResponderProcess>;
  /** Stops every process the stack started, then the sandbox and Redis; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Redis and the sandbox, writes `keyCount` keys under `keyPrefix`, and starts the receiver on a copy of
 * the sandbox's configuration with a Lease of `leaseDurationSeconds`: a killed worker's Lease must expire
 * before the next worker can act, so tests keep it short. What started is stopped again when a later part fails.
 */
export async function startWorkerStack(
  sandboxOptions: SandboxProcessOptions,
  keyPrefix: string,
  keyCount: number,
  leaseDurationSeconds: number,
): Promise<WorkerStack> {
  const [redisStarted, sandboxStarted] = await Promise.allSettled([startRedis(), startSandboxProcess(sandboxOptions)]);
  const processes: ResponderProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(processes.map((process) => process.stop()));
      if (sandboxStarted.status === "fulfilled") await sandboxStarted.value.stop();
      if (redisStarted.status === "fulfilled") await redisStarted.value.stop();
    })());
  if (redisStarted.status === "rejected" || sandboxStarted.status === "rejected") {
    await stop();
    throw redisStarted.status === "rejected" ? redisStarted.reason : (sandboxStarted as PromiseRejectedResult).reason;
  }
  const redis = redisStarted.value;
  const sandbox = sandboxStarted.value;
  const start = async (mode: "serve" | "worker", config: string) => {
    const started = await startResponder({
      mode,
      config,
      redisURL: redis.url,
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    processes.push(started);
    return started;
  };
  try {
    await writeKeys(sandbox.info, sandbox.info.clusters[0]!, keyPrefix, keyCount);
    const config = await writeServiceConfig(sandbox, "short-lease.yaml", { leaseDurationSeconds });
    const receiver = await start("serve", config);
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);
    return {
      redis,
      sandbox,
      kc,
      config,
      receiver,
      api: serviceApi(receiver.url),
      startWorker: () => start("worker", config),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
