import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isPodReady, summarizePods, timeMillis } from "../../../src/gateways/kubernetes/pods.js";

const pod = (name: string, status: V1Pod["status"], deleting = false): V1Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status,
});
const ready = { type: "Ready", status: "True" };

describe("summarizePods", () => {
  it("says when there are none", () => {
    expect(summarizePods([])).toBe("no pods");
  });

  it("gives name, phase, container reason, readiness and deletion of each Pod", () => {
    const pods = [
      pod("example-1-a", { phase: "Running", conditions: [ready] }),
      pod("example-2-b", {
        phase: "Running",
        conditions: [{ type: "Ready", status: "False" }],
        containerStatuses: [
          {
            name: "etcd",
            image: "etcd",
            imageID: "",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff" } },
          },
        ],
      }),
      pod(
        "example-3-c",
        {
          phase: "Running",
          containerStatuses: [
            {
              name: "etcd",
              image: "etcd",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: "Completed" } },
            },
          ],
        },
        true,
      ),
      pod("example-4-d", undefined),
    ];
    expect(summarizePods(pods).split("; ")).toEqual([
      "example-1-a Running ready",
      "example-2-b Running CrashLoopBackOff not ready",
      "example-3-c Running Completed not ready terminating",
      "example-4-d Unknown not ready",
    ]);
  });
});

describe("isPodReady", () => {
  it("is true only with a Ready condition that is True", () => {
    expect(isPodReady(pod("p", { conditions: [ready] }))).toBe(true);
    expect(isPodReady(pod("p", { conditions: [{ type: "ContainersReady", status: "True" }] }))).toBe(false);
    expect(isPodReady(pod("p", undefined))).toBe(false);
  });
});

describe("timeMillis", () => {
  it("reads Dates and RFC 3339 strings of any precision", () => {
    const ms = Date.parse("2025-03-01T12:00:00.123Z");
    expect(timeMillis(new Date(ms))).toBe(ms);
    expect(timeMillis("2025-03-01T12:00:00.123000Z")).toBe(ms);
    expect(timeMillis("2025-03-01T13:00:00.123+01:00")).toBe(ms);
    expect(timeMillis("2025-03-01T12:00:00Z")).toBe(ms - 123);
  });

  it("is undefined when absent or unreadable", () => {
    expect(timeMillis(undefined)).toBeUndefined();
    expect(timeMillis(null)).toBeUndefined();
    expect(timeMillis("yesterday")).toBeUndefined();
  });
});
