import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  podStatus,
  processExists,
  startKubelet,
  waitFor,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

function pidOf(harness: KubeletHarness, pod: string): number {
  const id = containerStatus(harness.store, pod, "main")?.containerID ?? "";
  return Number(id.replace("sandbox://", ""));
}

describe("Kubelet deleting Pods", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("stops a container that handles SIGTERM and removes the Pod and its directory", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    const pod = store.create(
      "pods",
      podManifest("polite", [
        {
          name: "main",
          command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.1; done"],
        },
      ]),
    );
    await waitReady(store, "polite", 5000);
    await waitFor(
      () => kubelet.readLog("default", "polite", {}),
      (text) => text === "up\n",
      "the trap to be set",
    );
    const pid = pidOf(harness, "polite");
    const dir = join(harness.dataDir, "pods", `default_polite_${pod.metadata.uid}`);
    expect(existsSync(dir)).toBe(true);

    const started = Date.now();
    store.markDeleting("pods", "default", "polite", 30);
    await waitForStore(store, () => !store.get("pods", "default", "polite"), "the pod to be removed", 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(processExists(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it("kills a container that ignores SIGTERM once the grace period is over", async () => {
    harness = startKubelet();
    const { store } = harness;
    store.create(
      "pods",
      podManifest("stubborn", [
        { name: "main", command: ["sh", "-c", "trap '' TERM; echo up; while true; do sleep 0.1; done"] },
      ]),
    );
    await waitReady(store, "stubborn", 5000);
    // A SIGTERM before the trap is set would end the shell at once.
    await waitFor(
      () => harness!.kubelet.readLog("default", "stubborn", {}),
      (text) => text === "up\n",
      "the trap to be set",
    );
    const pid = pidOf(harness, "stubborn");

    const started = Date.now();
    store.markDeleting("pods", "default", "stubborn", 1);
    const terminating = await waitForStore(
      store,
      () => containerStatus(store, "stubborn", "main")?.state.terminated,
      "the container to be reported terminated",
      5000,
    );
    expect(terminating.exitCode).toBe(137);
    await waitForStore(store, () => !store.get("pods", "default", "stubborn"), "the pod to be removed", 5000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4000);
    expect(processExists(pid)).toBe(false);
  });

  it("kills the containers of a Pod removed by force and never restarts them", async () => {
    harness = startKubelet({ backoffBaseMs: 50 });
    const { store } = harness;
    const pod = store.create("pods", podManifest("forced", [{ name: "main", command: ["sleep", "60"] }]));
    await waitReady(store, "forced", 5000);
    const pid = pidOf(harness, "forced");
    const dir = join(harness.dataDir, "pods", `default_forced_${pod.metadata.uid}`);

    store.remove("pods", "default", "forced");
    await waitFor(
      () => processExists(pid) || existsSync(dir),
      (alive) => !alive,
      "the process and directory to go",
    );
    expect(harness.started).toEqual([pid]);
  });

  it("shortens the wait when the Pod is deleted again with a shorter grace period", async () => {
    harness = startKubelet();
    const { store } = harness;
    store.create(
      "pods",
      podManifest("twice", [
        { name: "main", command: ["sh", "-c", "trap '' TERM; echo up; while true; do sleep 0.1; done"] },
      ]),
    );
    await waitReady(store, "twice", 5000);
    await waitFor(
      () => harness!.kubelet.readLog("default", "twice", {}),
      (text) => text === "up\n",
      "the trap to be set",
    );
    store.markDeleting("pods", "default", "twice", 30);
    await waitForStore(
      store,
      () => store.get("pods", "default", "twice")?.metadata.deletionTimestamp,
      "the deletion mark",
      1000,
    );
    // A second delete with grace 0, as `kubectl delete --force --grace-period=0` sends.
    store.shortenGracePeriod("pods", "default", "twice", 0);
    await waitForStore(store, () => !store.get("pods", "default", "twice"), "the pod to be removed", 3000);
  });

  it("starts a Pod on the address of a Pod being deleted only after that Pod's processes exited", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    const marks = mkdtempSync(join(tmpdir(), "address-handover-"));
    try {
      // Both Pods get the harness's one address, as a re-created member gets its Service's.
      const slowToGo = `trap 'sleep 0.5; touch ${marks}/gone; exit 0' TERM; echo up; while true; do sleep 0.1; done`;
      store.create("pods", podManifest("leaving", [{ name: "main", command: ["sh", "-c", slowToGo] }]));
      await waitReady(store, "leaving", 5000);
      await waitFor(
        () => kubelet.readLog("default", "leaving", {}),
        (text) => text === "up\n",
        "the trap to be set",
      );
      const address = podStatus(store, "leaving")?.podIP;
      expect(address).toMatch(/^127\./);

      store.markDeleting("pods", "default", "leaving", 30);
      store.create(
        "pods",
        podManifest("arriving", [
          { name: "main", command: ["sh", "-c", `test -e ${marks}/gone && echo after || echo before; sleep 60`] },
        ]),
      );
      // Its log has no file while it waits to start (ContainerCreating).
      const firstLine = () =>
        containerStatus(store, "arriving", "main")?.state.running ? kubelet.readLog("default", "arriving", {}) : "";
      const said = await waitFor(firstLine, (text) => text !== "", "the new Pod's first line");
      expect(said).toBe("after\n");
      expect(podStatus(store, "arriving")?.podIP).toBe(address);
    } finally {
      rmSync(marks, { recursive: true, force: true });
    }
  });
});
