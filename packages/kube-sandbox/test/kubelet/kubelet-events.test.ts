import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { podManifest, startKubelet, type KubeletHarness } from "./kubelet-harness.js";

/** What `kubectl describe` shows of an Event, in the order the Events were written. */
interface EventLine {
  type: string;
  reason: string;
  from: string;
  fieldPath: string | undefined;
  message: string;
  count: number;
}

function eventsOf(harness: KubeletHarness, pod: KubeObject): EventLine[] {
  return harness.store
    .list("events", "default")
    .filter((e) => (e.involvedObject as { uid?: string }).uid === pod.metadata.uid)
    .map((e) => ({
      type: e.type as string,
      reason: e.reason as string,
      from: (e.source as { component: string }).component,
      fieldPath: (e.involvedObject as { fieldPath?: string }).fieldPath,
      message: e.message as string,
      count: e.count as number,
    }));
}

function waitForEvent(harness: KubeletHarness, pod: KubeObject, match: (e: EventLine) => boolean, what: string) {
  return waitForStore(
    harness.store,
    () => eventsOf(harness, pod).find(match),
    what,
    10_000,
    () => JSON.stringify(eventsOf(harness, pod)),
  );
}

describe("Kubelet events", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("reports scheduling, each container's start in order, and the stop of a deleted Pod", async () => {
    harness = startKubelet();
    const h = harness;
    const pod = h.store.create(
      "pods",
      podManifest("web", [{ name: "main", image: "busybox:1.36", command: ["sleep", "60"] }], {
        initContainers: [{ name: "setup", image: "busybox:1.35", command: ["true"] }],
        terminationGracePeriodSeconds: 1,
      }),
    );
    await waitForEvent(h, pod, (e) => e.reason === "Started" && e.fieldPath === "spec.containers{main}", "Started");
    const initPath = "spec.initContainers{setup}";
    const appPath = "spec.containers{main}";
    expect(eventsOf(h, pod)).toEqual([
      {
        type: "Normal",
        reason: "Scheduled",
        from: "default-scheduler",
        fieldPath: undefined,
        message: "Successfully assigned default/web to sandbox",
        count: 1,
      },
      ...[
        ["Pulled", 'Container image "busybox:1.35" already present on machine', initPath],
        ["Created", "Created container: setup", initPath],
        ["Started", "Started container setup", initPath],
        ["Pulled", 'Container image "busybox:1.36" already present on machine', appPath],
        ["Created", "Created container: main", appPath],
        ["Started", "Started container main", appPath],
      ].map(([reason, message, fieldPath]) => ({
        type: "Normal",
        reason,
        from: "kubelet",
        fieldPath,
        message,
        count: 1,
      })),
    ]);

    h.store.mutate("pods", "default", "web", (obj) => {
      obj.metadata.deletionTimestamp = new Date().toISOString();
      obj.metadata.deletionGracePeriodSeconds = 1;
      return true;
    });
    const killing = await waitForEvent(h, pod, (e) => e.reason === "Killing", "Killing");
    expect(killing).toEqual({
      type: "Normal",
      reason: "Killing",
      from: "kubelet",
      fieldPath: appPath,
      message: "Stopping container main",
      count: 1,
    });
  });

  it("reports failed probes, the kill after a failed liveness probe and a crashing container's back-off", async () => {
    harness = startKubelet({ backoffBaseMs: 100 });
    const h = harness;
    const probe = { periodSeconds: 1, failureThreshold: 2 };
    const pod = h.store.create(
      "pods",
      podManifest(
        "sick",
        [
          {
            name: "main",
            command: ["sleep", "60"],
            readinessProbe: { exec: { command: ["sh", "-c", "echo not ready; exit 1"] }, ...probe },
            livenessProbe: { tcpSocket: { port: 1 }, ...probe },
          },
          { name: "crasher", command: ["sh", "-c", "exit 2"] },
        ],
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    const backOff = await waitForEvent(h, pod, (e) => e.reason === "BackOff" && e.count >= 2, "BackOff twice");
    expect(backOff).toMatchObject({
      type: "Warning",
      fieldPath: "spec.containers{crasher}",
      message: `Back-off restarting failed container crasher in pod sick_default(${pod.metadata.uid})`,
    });
    const killing = await waitForEvent(h, pod, (e) => e.reason === "Killing", "the liveness probe's Killing");
    expect(killing).toMatchObject({
      fieldPath: "spec.containers{main}",
      message: "Container main failed liveness probe, will be restarted",
    });
    const unhealthy = eventsOf(h, pod).filter((e) => e.reason === "Unhealthy");
    expect(unhealthy).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        fieldPath: "spec.containers{main}",
        message: "Readiness probe failed: not ready\n",
      }),
    );
    expect(unhealthy).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        message: `Liveness probe failed: dial tcp ${h.podIP}:1: connect: connection refused`,
        count: 2,
      }),
    );
  });
});
