import { setTimeout as delay } from "node:timers/promises";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KubernetesApiError } from "../../../src/gateways/kubernetes/errors.js";
import { keepAliveConfiguration } from "../../../src/gateways/kubernetes/connections.js";
import { clientNodePodSource, watchFailure } from "../../../src/gateways/kubernetes/pods.js";
import { fakeKubeConfig, startFakeApiServer, type FakeApiServer } from "../../support/fake-api-server.js";

/** How long client-node's Watch waits for a line before it gives up on the stream. */
const WATCH_SILENCE_LIMIT_MS = 30_000;

describe("clientNodePodSource", () => {
  let server: FakeApiServer | undefined;

  afterEach(async () => {
    vi.useRealTimers();
    await server?.close();
  });

  it("ends a watch that stayed silent until client-node's Watch gave up, without a failure", async () => {
    server = await startFakeApiServer();
    const kubeConfig = fakeKubeConfig(server, () => "token");
    const core = new CoreV1Api(keepAliveConfiguration(kubeConfig));
    const source = clientNodePodSource(kubeConfig, core, "default", "app=etcd");
    // Only the Watch's own timer, armed once the answer has come, is moved forward; sockets run in real time.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const events: unknown[] = [];
    let ended: { error: unknown } | undefined;
    await source.watch(
      "1",
      (event) => events.push(event),
      (error) => (ended = { error }),
    );
    expect(server.requests).toEqual([
      expect.objectContaining({ path: expect.stringContaining("watch=true") as string }),
    ]);
    vi.advanceTimersByTime(WATCH_SILENCE_LIMIT_MS - 1000);
    await delay(100);
    expect(ended).toBeUndefined();
    expect(server.openConnections()).toBe(1);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(ended).toBeDefined());
    expect(ended).toEqual({ error: undefined });
    expect(events).toEqual([]);
  });
});

describe("watchFailure", () => {
  it("calls a watch that ended cleanly ended, and wraps what failed", () => {
    expect(watchFailure("Pods in default matching app=etcd", null)).toBeUndefined();
    const failure = watchFailure(
      "Pods in default matching app=etcd",
      Object.assign(new Error("Internal Server Error"), { statusCode: 500 }),
    );
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure).toMatchObject({ statusCode: 500, retryable: true, operation: "watch" });
  });
});
