import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { namespaceDeletionConditions } from "../../src/controllers/namespace-conditions.js";

const object = (name: string, finalizers?: string[]): KubeObject => ({
  apiVersion: "v1",
  kind: "Thing",
  metadata: { name, namespace: "gone", ...(finalizers ? { finalizers } : {}) },
});

const T0 = new Date("2026-01-01T00:00:00.000Z");
const T1 = new Date("2026-01-01T00:01:00.000Z");

describe("namespaceDeletionConditions", () => {
  it("names the types left (the core group with a trailing dot) and the finalizers holding them", () => {
    const conditions = namespaceDeletionConditions(
      [
        { resource: "pods", object: object("a") },
        { resource: "pods", object: object("b", ["x/hold"]) },
        { resource: "deployments.apps", object: object("c", ["x/hold", "y/keep"]) },
      ],
      [],
      T0,
    );
    const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
    expect(byType.NamespaceContentRemaining).toEqual({
      type: "NamespaceContentRemaining",
      status: "True",
      lastTransitionTime: "2026-01-01T00:00:00Z",
      reason: "SomeResourcesRemain",
      message:
        "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances",
    });
    expect(byType.NamespaceFinalizersRemaining?.message).toBe(
      "Some content in the namespace has finalizers remaining: " +
        "x/hold in 2 resource instances, y/keep in 1 resource instances",
    );
  });

  it("keeps a condition's transition time while its status holds, and moves it when the status changes", () => {
    const first = namespaceDeletionConditions([{ resource: "pods", object: object("a") }], [], T0);
    const same = namespaceDeletionConditions([{ resource: "configmaps", object: object("b") }], first, T1);
    const content = (cs: typeof first) => cs.find((c) => c.type === "NamespaceContentRemaining");
    expect(content(same)?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    const emptied = namespaceDeletionConditions([], same, T1);
    expect(content(emptied)).toMatchObject({
      status: "False",
      reason: "ContentRemoved",
      lastTransitionTime: "2026-01-01T00:01:00Z",
    });
  });
});
