import { describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { createEventRecorder } from "../../src/events/event-recorder.js";

function podIn(store: ObjectStore, name: string): KubeObject {
  return store.create("pods", { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "team" } });
}

describe("the event recorder", () => {
  it("writes an Event about the object, as kubectl describe finds it", () => {
    const store = new ObjectStore();
    const pod = podIn(store, "web-0");
    const at = new Date("2026-12-06T10:00:00.123Z");
    createEventRecorder(store, { component: "kubelet", host: "sandbox" }, () => at).record(pod, {
      type: "Normal",
      reason: "Started",
      message: "Started container web",
      fieldPath: "spec.containers{web}",
    });
    const [event] = store.list("events", "team");
    expect(event).toMatchObject({
      metadata: { namespace: "team", name: `web-0.${(BigInt(at.getTime()) * 1_000_000n).toString(16)}` },
      involvedObject: { kind: "Pod", name: "web-0", namespace: "team", uid: pod.metadata.uid },
      type: "Normal",
      reason: "Started",
      source: { component: "kubelet", host: "sandbox" },
      count: 1,
      firstTimestamp: "2026-12-06T10:00:00Z",
    });
  });

  it("counts a repeat on the Event already written", () => {
    const store = new ObjectStore();
    const pod = podIn(store, "web-0");
    let now = new Date("2026-12-06T10:00:00Z");
    const recorder = createEventRecorder(store, { component: "kubelet" }, () => now);
    const backOff = { type: "Warning", reason: "BackOff", message: "Back-off restarting failed container" } as const;
    recorder.record(pod, backOff);
    now = new Date("2026-12-06T10:00:30Z");
    recorder.record(pod, backOff);
    recorder.record(pod, { ...backOff, reason: "Unhealthy", message: "Readiness probe failed" });
    const events = store.list("events", "team");
    expect(events.map((e) => [e.reason, e.count, e.lastTimestamp])).toEqual(
      expect.arrayContaining([
        ["BackOff", 2, "2026-12-06T10:00:30Z"],
        ["Unhealthy", 1, "2026-12-06T10:00:30Z"],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it("drops an Event it cannot write, and says so", () => {
    const store = new ObjectStore();
    const pod = podIn(store, "x");
    const at = new Date("2026-12-06T10:00:00Z");
    const errors: unknown[] = [];
    const recorder = createEventRecorder(
      store,
      { component: "kubelet" },
      () => at,
      (e) => errors.push(e),
    );
    // The name the recorder will choose is taken, so the store refuses the Event.
    const name = `x.${(BigInt(at.getTime()) * 1_000_000n).toString(16)}`;
    store.create("events", { apiVersion: "v1", kind: "Event", metadata: { name, namespace: "team" } });
    expect(() => recorder.record(pod, { type: "Normal", reason: "Pulled", message: "m" })).not.toThrow();
    expect(errors).toEqual([expect.objectContaining({ code: 409 })]);
  });
});
