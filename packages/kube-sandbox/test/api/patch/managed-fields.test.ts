import { describe, expect, it } from "vitest";
import { StatusError } from "../../../src/api/status-error.js";
import {
  ignoredPaths,
  managerFromUserAgent,
  readManagedFields,
  recordUpdate,
  serverSideApply,
  setManagedFields,
} from "../../../src/api/patch/managed-fields.js";
import type { JsonObject } from "../../../src/api/patch/json-value.js";

const NOW = "2026-01-01T00:00:00Z";
const own = (manager: string) => ({ manager, apiVersion: "v1", now: NOW, ignore: ignoredPaths(false) });
const cm = (data: Record<string, string>, labels?: Record<string, string>): JsonObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "default", ...(labels ? { labels } : {}) },
  data,
});

function conflictOf(run: () => unknown): StatusError {
  try {
    run();
  } catch (error) {
    if (error instanceof StatusError) return error;
    throw error;
  }
  throw new Error("no conflict");
}

describe("server-side apply", () => {
  it("creates with an Apply entry that owns what was applied, and is idempotent", () => {
    const first = serverSideApply(undefined, cm({ a: "1" }, { x: "y" }), own("kubectl"), false);
    expect(first.data).toEqual({ a: "1" });
    expect(readManagedFields(first)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "v1",
        time: NOW,
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:a": {} }, "f:metadata": { "f:labels": { "f:x": {} } } },
      },
    ]);
    const later = { ...own("kubectl"), now: "2026-01-02T00:00:00Z" };
    expect(serverSideApply(first, cm({ a: "1" }, { x: "y" }), later, false)).toEqual(first);
  });

  it("shares fields applied with the same value, and refuses another manager's changed field with 409", () => {
    const first = serverSideApply(undefined, cm({ a: "1", b: "2" }), own("one"), false);
    const shared = serverSideApply(first, cm({ a: "1" }), own("two"), false);
    expect(readManagedFields(shared).map((e) => e.manager)).toEqual(["one", "two"]);
    const error = conflictOf(() => serverSideApply(shared, cm({ a: "9" }), own("two"), false));
    expect(error.code).toBe(409);
    expect(error.reason).toBe("Conflict");
    expect(error.message).toBe('Apply failed with 1 conflict: conflict with "one": .data.a');
    expect(error.details.causes).toEqual([
      { reason: "FieldManagerConflict", message: 'conflict with "one"', field: ".data.a" },
    ]);
  });

  it("lists several conflicts by manager, Update managers with their version and time", () => {
    const created = cm({ a: "1", b: "2" });
    setManagedFields(created, recordUpdate(undefined, created, own("kubectl-create")));
    const error = conflictOf(() => serverSideApply(created, cm({ a: "3", b: "4" }), own("kubectl"), false));
    expect(error.message).toBe(
      `Apply failed with 2 conflicts: conflicts with "kubectl-create" using v1 at ${NOW}:\n- .data.a\n- .data.b`,
    );
  });

  it("takes conflicting fields over with force", () => {
    const first = serverSideApply(undefined, cm({ a: "1", b: "2" }), own("one"), false);
    const forced = serverSideApply(first, cm({ a: "9" }), own("two"), true);
    expect(forced.data).toEqual({ a: "9", b: "2" });
    expect(readManagedFields(forced).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ["one", { "f:data": { "f:b": {} } }],
      ["two", { "f:data": { "f:a": {} } }],
    ]);
  });

  it("removes fields the manager applied before and no longer applies, unless another manager owns them", () => {
    const first = serverSideApply(undefined, cm({ a: "1", b: "2", c: "3" }), own("one"), false);
    const shared = serverSideApply(first, cm({ c: "3" }), own("two"), false);
    const next = serverSideApply(shared, cm({ a: "1" }), own("one"), false);
    expect(next.data).toEqual({ a: "1", c: "3" });
  });

  it("removes keyed list items it no longer applies, whole", () => {
    const pod = (env: { name: string; value: string }[]): JsonObject => ({
      spec: { containers: [{ name: "main", image: "busybox", env }] },
    });
    const first = serverSideApply(
      undefined,
      pod([
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ]),
      own("m"),
      false,
    );
    const next = serverSideApply(first, pod([{ name: "A", value: "1" }]), own("m"), false);
    expect(next.spec).toEqual({ containers: [{ name: "main", image: "busybox", env: [{ name: "A", value: "1" }] }] });
  });

  it("refuses managedFields in the applied configuration", () => {
    const config = cm({});
    (config.metadata as JsonObject).managedFields = [];
    expect(conflictOf(() => serverSideApply(undefined, config, own("m"), false)).code).toBe(400);
  });
});

describe("Update entries", () => {
  it("take over what an update changes and drop what it removes", () => {
    const applied = serverSideApply(undefined, cm({ a: "1", b: "2", c: "3" }), own("kubectl"), false);
    const edited = { ...structuredClone(applied), data: { a: "5", c: "3" } };
    const entries = recordUpdate(applied, edited, own("kubectl-edit"));
    expect(entries.map((e) => [e.manager, e.operation, e.fieldsV1])).toEqual([
      ["kubectl", "Apply", { "f:data": { "f:c": {} } }],
      ["kubectl-edit", "Update", { "f:data": { "f:a": {} } }],
    ]);
  });

  it("names the manager from the user agent", () => {
    expect(managerFromUserAgent("kubectl/v1.32.3 (linux/amd64) kubernetes/abc")).toBe("kubectl");
    expect(managerFromUserAgent(undefined)).toBe("unknown");
  });
});
