import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { writeKeys } from "./etcd-cluster-checks.js";
import { kubeConfigFrom } from "./pod-watch.js";
import { startRedis, type StartRedisOptions, type TestRedis } from "./redis-server.js";
import { startResponder, type ResponderProcess } from "./responder-process.js";
import { startSandboxProcess, type SandboxProcess, type SandboxProcessOptions } from "./sandbox-process.js";
import { serviceApi, type ServiceApi } from "./service-api.js";

/** A Redis, an etcd sandbox and one `all` responder on the sandbox's own configuration. */
export interface ServiceStack {
  redis: TestRedis;
  sandbox: SandboxProcess;
  service: ResponderProcess;
  api: ServiceApi;
  kc: KubeConfig;
  /** Stops the responder, the sandbox and Redis, whichever started; safe to call twice. */
  stop(): Promise<void>;
}

/** A Redis and one `all` responder for a sandbox started elsewhere. */
export interface SandboxService {
  redis: TestRedis;
  service: ResponderProcess;
  api: ServiceApi;
  /** Stops the responder, then Redis, whichever started; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Redis (with `redisOptions`), then one `all` responder on `config` (default the sandbox's `responder.yaml`)
 * that manages the running `sandbox`. What started is stopped again when a later part fails.
 */
export async function startServiceFor(
  sandbox: SandboxProcess,
  redisOptions: StartRedisOptions = {},
  config: string = join(sandbox.dir, "responder.yaml"),
): Promise<SandboxService> {
  const redis = await startRedis(redisOptions);
  let service: ResponderProcess;
  try {
    service = await startResponder({
      mode: "all",
      config,
      redisURL: redis.url,
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  const stop = async () => {
    await service.stop();
    await redis.stop();
  };
  return { redis, service, api: serviceApi(service.url), stop };
}

/**
 * Starts the sandbox, then Redis (with `redisOptions`) and the responder (mode `all`) while `keyCount` keys are
 * written under `keyPrefix`. What started is stopped again when a later part fails.
 */
export async function startServiceStack(
  sandboxOptions: SandboxProcessOptions,
  keyPrefix: string,
  keyCount: number,
  redisOptions: StartRedisOptions = {},
): Promise<ServiceStack> {
  const sandbox = await startSandboxProcess(sandboxOptions);
  // Both settle before anything is stopped: a responder that started while the keys failed is stopped too.
  const [started, written] = await Promise.allSettled([
    startServiceFor(sandbox, redisOptions),
    writeKeys(sandbox.info, sandbox.info.clusters[0]!, keyPrefix, keyCount),
  ]);
  if (started.status === "rejected" || written.status === "rejected") {
    if (started.status === "fulfilled") await started.value.stop();
    await sandbox.stop();
    throw started.status === "rejected" ? started.reason : (written as PromiseRejectedResult).reason;
  }
  const service = started.value;
  const stop = async () => {
    await service.stop();
    await sandbox.stop();
  };
  const kc = kubeConfigFrom(sandbox.info.kubeconfig);
  return { redis: service.redis, sandbox, service: service.service, api: service.api, kc, stop };
}
