import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import type { KubernetesGateway } from "../../src/gateways/kubernetes/index.js";
import { UnknownClusterError, UnknownMemberError } from "../../src/queue/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMemberRecoveryRunner } from "../../src/service/index.js";

const config = parseConfig("clusters:\n  - { name: example, namespace: etcd, members: 3 }\n", "test.yaml");
// The runner refuses these requests before it touches Kubernetes.
const kubernetes = new Proxy({} as KubernetesGateway, {
  get: () => {
    throw new Error("Kubernetes must not be called");
  },
});
const run = createMemberRecoveryRunner({
  config,
  kubernetes,
  logger: createLogger({ level: "silent" }),
  holder: "test-1",
});
const progress = { onStep: () => undefined, onLine: () => undefined };
const signal = new AbortController().signal;

describe("the worker's recovery runner", () => {
  it("fails for good for a cluster the configuration no longer has", async () => {
    const error = await run(
      { cluster: "gone", namespace: "etcd", member: 1, trigger: { kind: "manual" }, mode: "act" },
      progress,
      signal,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownClusterError);
    expect((error as UnknownClusterError).retryable).toBe(false);
  });

  it("fails for good for a member beyond the configured ones", async () => {
    const error = await run(
      { cluster: "example", namespace: "etcd", member: 4, trigger: { kind: "manual" }, mode: "act" },
      progress,
      signal,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMemberError);
    expect((error as Error).message).toBe("cluster etcd/example has members 1 to 3; there is no member 4");
  });
});
