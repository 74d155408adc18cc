import { describe, expect, it } from "vitest";
import { buildEvent, epochNanos, eventName } from "../../../src/gateways/kubernetes/client-node-gateway.js";

describe("eventName", () => {
  it("is the object's name, a dot and the nanoseconds in hex, as client-go names Events", () => {
    expect(eventName("example-3", 1_700_000_000_123_456_789n)).toBe("example-3.17979cfe3d85cd15");
  });
});

describe("epochNanos", () => {
  it("puts the monotonic clock's sub-millisecond part under the wall clock's milliseconds", () => {
    expect(epochNanos(1_700_000_000_123, 98_765_432_109n)).toBe(1_700_000_000_123_432_109n);
  });

  it("gives different names to Events recorded within one millisecond", () => {
    const ms = Date.now();
    const names = new Set(Array.from({ length: 50 }, () => eventName("p", epochNanos(ms))));
    expect(names.size).toBeGreaterThan(1);
  });
});

describe("buildEvent", () => {
  it("writes a core/v1 Event seen once, reported by the component", () => {
    const nowMs = Date.parse("2025-03-01T12:00:00.000Z");
    const event = buildEvent(
      { kind: "Pod", apiVersion: "v1", namespace: "db", name: "example-2-abc", uid: "u-1" },
      { type: "Warning", reason: "MemberRemoved", message: "member example2 removed" },
      { component: "etcd-responder", nowMs, nanos: 255n },
    );
    expect(event).toEqual({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "example-2-abc.ff", namespace: "db" },
      involvedObject: { kind: "Pod", apiVersion: "v1", namespace: "db", name: "example-2-abc", uid: "u-1" },
      type: "Warning",
      reason: "MemberRemoved",
      message: "member example2 removed",
      source: { component: "etcd-responder" },
      reportingComponent: "etcd-responder",
      firstTimestamp: new Date(nowMs),
      lastTimestamp: new Date(nowMs),
      count: 1,
    });
  });

  it("leaves the uid out when the target has none", () => {
    const event = buildEvent(
      { kind: "Deployment", apiVersion: "apps/v1", namespace: "db", name: "d" },
      { type: "Normal", reason: "R", message: "m" },
      {
        component: "c",
        nowMs: 0,
        nanos: 1n,
      },
    );
    expect(event.involvedObject).not.toHaveProperty("uid");
  });
});
