import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  podStatus,
  startKubelet,
  waitFor,
  type KubeletHarness,
} from "./kubelet-harness.js";

describe("Kubelet restarting containers", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("restarts a crashing container at once, then with CrashLoopBackOff, keeping the previous run's log", async () => {
    harness = startKubelet({ backoffBaseMs: 100 });
    const { store, kubelet } = harness;
    const pod = store.create(
      "pods",
      podManifest("crash", [{ name: "etcd", command: ["sh", "-c", "echo boom >&2; exit 3"] }]),
    );
    const seenCounts: number[] = [];
    const unsubscribe = store.subscribe(() => {
      const count = containerStatus(store, "crash", "etcd")?.restartCount;
      if (count !== undefined && count !== seenCounts.at(-1)) seenCounts.push(count);
    });
    try {
      const looping = await waitForStore(
        store,
        () => {
          const status = containerStatus(store, "crash", "etcd");
          return status?.state.waiting?.reason === "CrashLoopBackOff" ? status : undefined;
        },
        "CrashLoopBackOff",
        5000,
      );
      // The first crash restarts at once; the wait starts with the second.
      expect(looping.restartCount).toBeGreaterThanOrEqual(1);
      expect(looping.ready).toBe(false);
      expect(looping.state.waiting?.message).toMatch(
        new RegExp(
          `^back-off \\d+(ms|s|\\.\\d+s) restarting failed container=etcd pod=crash_default\\(${pod.metadata.uid}\\)$`,
        ),
      );
      expect(looping.lastState.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
      expect(looping.lastState.terminated?.containerID).toMatch(/^sandbox:\/\/\d+$/);
      expect(podStatus(store, "crash")?.phase).toBe("Running");
      expect(kubelet.readLog("default", "crash", { previous: true })).toBe("boom\n");
      // While it waits, the current log is the crashed run's, as in Kubernetes.
      expect(kubelet.readLog("default", "crash", {})).toBe("boom\n");

      await waitForStore(
        store,
        () => (containerStatus(store, "crash", "etcd")?.restartCount ?? 0) >= 3,
        "three restarts",
        5000,
      );
      // restartCount only ever goes up, one restart at a time.
      expect(seenCounts.slice(0, 4)).toEqual([0, 1, 2, 3]);
      // Only the current and the previous run's logs are kept.
      const podDir = join(harness.dataDir, "pods", `default_crash_${pod.metadata.uid}`);
      expect(existsSync(join(podDir, "logs", "etcd", "0.log"))).toBe(false);
    } finally {
      unsubscribe();
    }
  });

  it("does not restart under Never and reports the Pod Failed or Succeeded", async () => {
    harness = startKubelet();
    const { store } = harness;
    store.create(
      "pods",
      podManifest("fails", [{ name: "main", command: ["sh", "-c", "exit 2"] }], { restartPolicy: "Never" }),
    );
    store.create("pods", podManifest("works", [{ name: "main", command: ["true"] }], { restartPolicy: "OnFailure" }));
    await waitForStore(store, () => podStatus(store, "fails")?.phase === "Failed", "the Never pod to fail", 5000);
    await waitForStore(
      store,
      () => podStatus(store, "works")?.phase === "Succeeded",
      "the OnFailure pod to succeed",
      5000,
    );
    expect(containerStatus(store, "fails", "main")).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 2, reason: "Error" } },
    });
    expect(containerStatus(store, "works", "main")).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: "Completed" } },
    });
  });

  it("keeps an emptyDir across container restarts and deletes it with the Pod", async () => {
    harness = startKubelet({ backoffBaseMs: 50 });
    const { store } = harness;
    const pod = store.create(
      "pods",
      podManifest(
        "counter",
        [
          {
            name: "main",
            // Counts its runs in the volume, then crashes; stays up on the third run.
            command: [
              "sh",
              "-c",
              "n=$(cat /data/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/count; " +
                '[ "$n" -ge 3 ] && exec sleep 60; exit 1',
            ],
            volumeMounts: [{ name: "scratch", mountPath: "/data" }],
          },
        ],
        { volumes: [{ name: "scratch", emptyDir: {} }] },
      ),
    );
    const volume = join(harness.dataDir, "pods", `default_counter_${pod.metadata.uid}`, "volumes", "scratch");
    await waitForStore(
      store,
      () => {
        const status = containerStatus(store, "counter", "main");
        return status?.state.running && status.restartCount === 2;
      },
      "the third run to stay up",
      5000,
      () => JSON.stringify(containerStatus(store, "counter", "main")),
    );
    // "Running" is reported at spawn; the shell writes its count a moment later.
    await waitFor(
      () => readFileSync(join(volume, "count"), "utf8"),
      (text) => text === "3\n",
      "the third count",
    );

    store.markDeleting("pods", "default", "counter", 1);
    await waitForStore(store, () => !store.get("pods", "default", "counter"), "the pod to be removed", 5000);
    expect(existsSync(volume)).toBe(false);
  });
});
