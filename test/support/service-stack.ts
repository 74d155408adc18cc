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

/**
 * Starts Redis (with `redisOptions`) and the sandbox side by side, then the responder (mode `all`) while `keyCount`
 * keys are written under `keyPrefix`. What started is stopped again when a later part fails.
 */
export async function startServiceStack(
  sandboxOptions: SandboxProcessOptions,
  keyPrefix: string,
  keyCount: number,
  redisOptions: StartRedisOptions = {},
): Promise<ServiceStack> {
  const started: { stop(): Promise<unknown> }[] = [];
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop();
  };
  try {
    const [redis, sandbox] = await Promise.all([
      startRedis(redisOptions).then((r) => (started.push(r), r)),
      startSandboxProcess(sandboxOptions).then((s) => (started.push(s), s)),
    ]);
    const [service] = await Promise.all([
      startResponder({
        mode: "all",
        config: join(sandbox.dir, "responder.yaml"),
        redisURL: redis.url,
        env: { KUBECONFIG: sandbox.info.kubeconfig },
      }).then((r) => (started.push(r), r)),
      writeKeys(sandbox.info, sandbox.info.clusters[0]!, keyPrefix, keyCount),
    ]);
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);
    return { redis, sandbox, service, api: serviceApi(service.url), kc, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
