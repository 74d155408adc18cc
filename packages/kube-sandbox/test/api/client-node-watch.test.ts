import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";

interface Seen {
  type: string;
  object: { kind?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string } };
}

/** A client-node Watch that collects events and lets a test wait for them, with a deadline. */
async function collect(kc: KubeConfig, path: string, query: Record<string, string>) {
  const events: Seen[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object) => {
      events.push({ type, object: object as Seen["object"] });
      notify();
    },
    () => {
      ended = true;
      notify();
    },
  );
  const until = (what: string, done: () => boolean, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(events.map((e) => e.type))}`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { events, until, isEnded: () => ended, stop: () => controller.abort() };
}

describe("watches with @kubernetes/client-node", () => {
  let harness: ApiHarness;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const stops: (() => void)[] = [];

  beforeEach(async () => {
    harness = await startHarness();
    kc = new KubeConfig();
    kc.loadFromFile(harness.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await harness?.close();
  });

  it("sees ADDED, MODIFIED and DELETED from a listed resourceVersion", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "before" } } });
    const list = await core.listNamespacedConfigMap({ namespace: "default" });
    const watch = await collect(kc, "/api/v1/namespaces/default/configmaps", {
      resourceVersion: list.metadata!.resourceVersion!,
    });
    stops.push(watch.stop);

    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "cm" }, data: { a: "1" } },
    });
    await core.replaceNamespacedConfigMap({
      name: "cm",
      namespace: "default",
      body: { metadata: { name: "cm" }, data: { a: "2" } },
    });
    await core.deleteNamespacedConfigMap({ name: "cm", namespace: "default" });
    await watch.until("three events", () => watch.events.length >= 3);

    expect(watch.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ["ADDED", "cm"],
      ["MODIFIED", "cm"],
      ["DELETED", "cm"],
    ]);
  });

  it("starts with ADDED for every object when no resourceVersion is given", async () => {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "one", labels: { keep: "yes" } } },
    });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "two" } } });
    const watch = await collect(kc, "/api/v1/namespaces/default/configmaps", { labelSelector: "keep=yes" });
    stops.push(watch.stop);
    await watch.until("the initial ADDED", () => watch.events.length >= 1);

    // An object that comes to match is ADDED; one that stops matching is DELETED.
    await core.replaceNamespacedConfigMap({
      name: "two",
      namespace: "default",
      body: { metadata: { name: "two", labels: { keep: "yes" } } },
    });
    await core.replaceNamespacedConfigMap({ name: "one", namespace: "default", body: { metadata: { name: "one" } } });
    await watch.until("three events", () => watch.events.length >= 3);
    expect(watch.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ["ADDED", "one"],
      ["ADDED", "two"],
      ["DELETED", "one"],
    ]);
  });

  it("answers a compacted resourceVersion with one ERROR event carrying 410 Expired, then closes", async () => {
    const first = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "a" } } });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "b" } } });
    harness.store.compact();
    const watch = await collect(kc, "/api/v1/namespaces/default/configmaps", {
      resourceVersion: first.metadata!.resourceVersion!,
    });
    stops.push(watch.stop);
    await watch.until("the stream to end", () => watch.isEnded());
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
  });

  it("watches one object by name with a field selector", async () => {
    const watch = await collect(kc, "/api/v1/namespaces/default/configmaps", { fieldSelector: "metadata.name=mine" });
    stops.push(watch.stop);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "other" } } });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "mine" } } });
    await watch.until("mine to be ADDED", () => watch.events.length >= 1);
    expect(watch.events.map((e) => e.object.metadata?.name)).toEqual(["mine"]);
  });

  it("ends open watches when the server closes", async () => {
    const watch = await collect(kc, "/api/v1/namespaces/default/configmaps", {});
    stops.push(watch.stop);
    await harness.server.close();
    await watch.until("the stream to end", () => watch.isEnded());
  });
});
