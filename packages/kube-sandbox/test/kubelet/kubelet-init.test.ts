import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import type { ContainerStatus } from "../../src/kubelet/pod-status.js";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  podStatus,
  startKubelet,
  waitFor,
  type KubeletHarness,
} from "./kubelet-harness.js";

const SHARED = { volumeMounts: [{ name: "shared", mountPath: "/shared" }] };
const SHARED_VOLUME = { volumes: [{ name: "shared", emptyDir: {} }], terminationGracePeriodSeconds: 1 };

function initStatus(harness: KubeletHarness, pod: string, name: string): ContainerStatus | undefined {
  return podStatus(harness.store, pod)?.initContainerStatuses?.find((s) => s.name === name);
}

function condition(harness: KubeletHarness, pod: string, type: string) {
  return podStatus(harness.store, pod)?.conditions?.find((c) => c.type === type);
}

/** The folder of the Pod's `shared` volume on the host. */
function sharedDir(harness: KubeletHarness, pod: KubeObject): string {
  return join(harness.dataDir, "pods", `default_${pod.metadata.name}_${pod.metadata.uid}`, "volumes", "shared");
}

describe("Kubelet init containers", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("runs the init containers in order, each to success, before the app containers, sharing volumes", async () => {
    harness = startKubelet();
    const { store } = harness;
    const h = harness;
    const pod = store.create(
      "pods",
      podManifest("ordered", [{ name: "main", command: ["sh", "-c", "cat /shared/order; exec sleep 60"], ...SHARED }], {
        ...SHARED_VOLUME,
        initContainers: [
          {
            name: "first",
            // Waits for the test's go-ahead, so the Pod is seen initializing.
            command: ["sh", "-c", "while [ ! -f /shared/go ]; do sleep 0.05; done; echo one > /shared/order"],
            ...SHARED,
          },
          { name: "second", command: ["sh", "-c", "test -f /shared/order && echo two >> /shared/order"], ...SHARED },
        ],
      }),
    );
    await waitForStore(store, () => initStatus(h, "ordered", "first")?.state.running, "the first init container", 5000);
    expect(podStatus(store, "ordered")?.phase).toBe("Pending");
    expect(initStatus(h, "ordered", "first")).toMatchObject({ ready: false, started: true });
    expect(initStatus(h, "ordered", "second")?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(containerStatus(store, "ordered", "main")?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(condition(h, "ordered", "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [first second]",
    });

    writeFileSync(join(sharedDir(h, pod), "go"), "");
    await waitForStore(
      store,
      () => containerStatus(store, "ordered", "main")?.state.running,
      "the app container",
      5000,
    );
    expect(podStatus(store, "ordered")?.phase).toBe("Running");
    expect(condition(h, "ordered", "Initialized")?.status).toBe("True");
    for (const name of ["first", "second"]) {
      expect(initStatus(h, "ordered", name)).toMatchObject({
        ready: true,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: "Completed" } },
      });
    }
    const log = await waitFor(
      () => h.kubelet.readLog("default", "ordered", { container: "main" }),
      (text) => text.includes("two"),
      "the app container to print what the init containers wrote",
    );
    expect(log).toBe("one\ntwo\n");
    expect(h.kubelet.readLog("default", "ordered", { container: "first" })).toBe("");
    // Without a container name, the Pod's only app container is meant, init containers aside.
    expect(h.kubelet.readLog("default", "ordered", {})).toBe("one\ntwo\n");
    expect(readFileSync(join(sharedDir(h, pod), "order"), "utf8")).toBe("one\ntwo\n");
  });

  it("restarts a failing init container with back-off and starts the app containers once it succeeds", async () => {
    harness = startKubelet({ backoffBaseMs: 100 });
    const { store } = harness;
    const h = harness;
    const pod = store.create(
      "pods",
      podManifest("retry", [{ name: "main", command: ["sleep", "60"] }], {
        ...SHARED_VOLUME,
        initContainers: [{ name: "wait", command: ["sh", "-c", "echo not yet; test -f /shared/ok"], ...SHARED }],
      }),
    );
    const backingOff = await waitForStore(
      store,
      () => {
        const status = initStatus(h, "retry", "wait");
        return status && status.restartCount >= 2 && status.state.waiting?.reason === "CrashLoopBackOff"
          ? status
          : undefined;
      },
      "the init container to crash-loop",
      10_000,
    );
    expect(backingOff.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(podStatus(store, "retry")?.phase).toBe("Pending");
    expect(containerStatus(store, "retry", "main")?.state).toEqual({ waiting: { reason: "PodInitializing" } });

    writeFileSync(join(sharedDir(h, pod), "ok"), "");
    await waitForStore(
      store,
      () => containerStatus(store, "retry", "main")?.state.running,
      "the app container",
      10_000,
    );
    expect(initStatus(h, "retry", "wait")?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(condition(h, "retry", "Initialized")?.status).toBe("True");
  });

  it("fails the Pod when an init container fails under restartPolicy Never, and never starts the app", async () => {
    harness = startKubelet();
    const { store } = harness;
    const h = harness;
    store.create(
      "pods",
      podManifest("doomed", [{ name: "main", command: ["sleep", "60"] }], {
        restartPolicy: "Never",
        initContainers: [{ name: "check", command: ["sh", "-c", "exit 3"] }],
      }),
    );
    const status = await waitForStore(
      store,
      () => {
        const s = podStatus(store, "doomed");
        return s?.phase === "Failed" ? s : undefined;
      },
      "the Pod to fail",
      5000,
    );
    expect(status.initContainerStatuses?.[0]).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 3, reason: "Error" } },
    });
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(h.started).toHaveLength(1);
  });
});
