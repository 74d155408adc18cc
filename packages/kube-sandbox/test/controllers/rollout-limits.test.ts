import { describe, expect, it } from "vitest";
import { rolloutLimits, scaled } from "../../src/controllers/rollout-limits.js";
import type { Deployment } from "../../src/controllers/workload-types.js";

const withSpec = (spec: Deployment["spec"]): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d" },
  spec,
});

describe("rolloutLimits", () => {
  it("defaults to 25% surge rounded up and 25% unavailable rounded down", () => {
    expect(rolloutLimits(withSpec({ replicas: 1 }))).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(rolloutLimits(withSpec({ replicas: 10 }))).toEqual({ maxSurge: 3, maxUnavailable: 2 });
  });

  it("allows nothing for Recreate", () => {
    expect(rolloutLimits(withSpec({ replicas: 3, strategy: { type: "Recreate" } }))).toEqual({
      maxSurge: 0,
      maxUnavailable: 0,
    });
  });

  it("lets one pod be unavailable when both limits come to zero, so a rollout can move", () => {
    expect(
      rolloutLimits(withSpec({ replicas: 3, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } })),
    ).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
  });

  it("caps unavailability at the desired count", () => {
    expect(
      rolloutLimits(withSpec({ replicas: 0, strategy: { rollingUpdate: { maxUnavailable: 5 } } })).maxUnavailable,
    ).toBe(0);
  });
});

describe("scaled", () => {
  it("reads integers, percentages and integer strings", () => {
    expect(scaled(2, 10, "up")).toBe(2);
    expect(scaled("50%", 3, "up")).toBe(2);
    expect(scaled("50%", 3, "down")).toBe(1);
    expect(scaled("4", 10, "down")).toBe(4);
  });
});
