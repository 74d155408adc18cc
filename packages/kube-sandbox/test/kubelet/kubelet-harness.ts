import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "../../src/logger.js";
import { createEventRecorder } from "../../src/events/event-recorder.js";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { Kubelet, type KubeletOptions } from "../../src/kubelet/kubelet.js";
import { loopbackPods } from "../../src/network/loopback-pods.js";
import type { ContainerStatus, PodStatus } from "../../src/kubelet/pod-status.js";
import type { ContainerSpec, PodSpec } from "../../src/kubelet/pod-spec.js";
import { waitForStore } from "../../src/wait-for-store.js";

/**
 * A kubelet on a fresh store and data directory, running Pods as host processes on one loopback address
 * (the sandbox's fallback mode; `test/node/isolated-sandbox.test.ts` covers isolated Pods), recording every
 * process group it starts and writing its Events into the store.
 */
export interface KubeletHarness {
  store: ObjectStore;
  kubelet: Kubelet;
  dataDir: string;
  /** Every process group the kubelet reported, in start order. */
  started: number[];
  /** Process groups reported and not yet reported gone. */
  live: Set<number>;
  podIP: string;
  /** Stops the kubelet and deletes the data directory; safe to call twice. */
  close(): Promise<void>;
}

/** A loopback address in 127.77.0.0/16 no other test file uses at the same time (most likely). */
export function randomPodIP(): string {
  return `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

/** A random port well above the ones services usually take. */
export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 30_000);
}

/** Starts a kubelet; `options` may be a function of the harness's store, for options that read it. */
export function startKubelet(
  options: Partial<KubeletOptions> | ((store: ObjectStore) => Partial<KubeletOptions>) = {},
): KubeletHarness {
  const store = new ObjectStore();
  store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  const dataDir = mkdtempSync(join(tmpdir(), "kubelet-test-"));
  const started: number[] = [];
  const live = new Set<number>();
  const podIP = randomPodIP();
  const kubelet = new Kubelet({
    store,
    dataDir,
    sandboxes: loopbackPods(() => podIP, "127.0.0.1"),
    backoffBaseMs: 100,
    processes: {
      track: (pgid) => {
        started.push(pgid);
        live.add(pgid);
      },
      untrack: (pgid) => live.delete(pgid),
    },
    logger: createLogger({ level: process.env.LOG_LEVEL ?? "silent" }),
    events: {
      kubelet: createEventRecorder(store, { component: "kubelet", host: "sandbox" }),
      scheduler: createEventRecorder(store, { component: "default-scheduler" }),
    },
    ...(typeof options === "function" ? options(store) : options),
  });
  kubelet.start();
  let closed = false;
  return {
    store,
    kubelet,
    dataDir,
    started,
    live,
    podIP,
    async close() {
      if (closed) return;
      closed = true;
      await kubelet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A Pod in `default` with the given containers. */
export function podManifest(name: string, containers: ContainerSpec[], spec: Partial<PodSpec> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: { containers, ...spec },
  };
}

/** The status of a Pod in `default` as the store holds it (parts are missing until the kubelet has written them). */
export function podStatus(store: ObjectStore, name: string): Partial<PodStatus> | undefined {
  return store.get("pods", "default", name)?.status as Partial<PodStatus> | undefined;
}

export function containerStatus(store: ObjectStore, pod: string, container: string): ContainerStatus | undefined {
  return podStatus(store, pod)?.containerStatuses?.find((s) => s.name === container);
}

/** Stores a ConfigMap `name` in `default` holding `data`. */
export function createConfigMap(store: ObjectStore, name: string, data: Record<string, string>): KubeObject {
  return store.create("configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data,
  });
}

/** Stores an Opaque Secret `name` in `default` whose keys hold `values` (base64-encoded, as the API keeps them). */
export function createSecret(store: ObjectStore, name: string, values: Record<string, string>): KubeObject {
  const data = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Buffer.from(value).toString("base64")]),
  );
  return store.create("secrets", {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "default" },
    type: "Opaque",
    data,
  });
}

/** Waits until the Pod's Ready condition is True and returns its status. */
export function waitReady(store: ObjectStore, name: string, timeoutMs: number): Promise<Partial<PodStatus>> {
  return waitForStore(
    store,
    () => {
      const status = podStatus(store, name);
      const ready = status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" ? status : undefined;
    },
    `pod ${name} to be Ready`,
    timeoutMs,
    () => JSON.stringify(podStatus(store, name)),
  );
}

/** Whether a process with this pid exists (a zombie of another parent would count too). */
export { processAlive as processExists } from "../support.js";

/**
 * Re-reads `read` until `done` holds. Container output arrives without a store event, so this polls
 * briefly, up to a deadline.
 */
export async function waitFor<T>(
  read: () => T,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A writable stream that keeps what is written into `chunks`. */
export function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
}

/** Whether a process exists and is not a zombie waiting for a parent to reap it. */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
