import { describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import {
  CONTROLLER_REVISIONS,
  revisionData,
  revisionHash,
  revisionTemplate,
  syncRevisions,
} from "../../src/controllers/controller-revisions.js";
import type { StatefulSet } from "../../src/controllers/statefulset-types.js";

const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

function storedSet(store: ObjectStore, image: string): StatefulSet {
  return store.create("statefulsets.apps", {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "ns" },
    spec: {
      selector: { matchLabels: { app: "db" } },
      template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "main", image }] } },
    },
  });
}

describe("ControllerRevisions of a StatefulSet", () => {
  it("stores the template as a replace patch, hashed into the name", () => {
    const store = new ObjectStore();
    const set = storedSet(store, "busybox");
    const data = revisionData(set);
    expect(data).toEqual({ spec: { template: { ...set.spec?.template, $patch: "replace" } } });
    const { update, current, collisionCount } = syncRevisions(store, set);
    expect(update.metadata.name).toBe(`db-${revisionHash(data, 0)}`);
    expect(revisionHash(data, 0)).toMatch(SAFE);
    expect(update.metadata.labels).toEqual({ app: "db", "controller.kubernetes.io/hash": revisionHash(data, 0) });
    expect(update.revision).toBe(1);
    expect(current).toEqual(update);
    expect(collisionCount).toBe(0);
    expect(revisionTemplate(update)).toEqual(set.spec?.template);
  });

  it("moves the collision count while the name belongs to another object", () => {
    const store = new ObjectStore();
    const set = storedSet(store, "busybox");
    const name = `db-${revisionHash(revisionData(set), 0)}`;
    store.create(CONTROLLER_REVISIONS, {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: { name, namespace: "ns" },
      data: { other: true },
      revision: 1,
    });
    const { update, collisionCount } = syncRevisions(store, set);
    expect(collisionCount).toBe(1);
    expect(revisionHash(revisionData(set), 1)).not.toBe(revisionHash(revisionData(set), 0));
    expect(update.metadata.name).toBe(`db-${revisionHash(revisionData(set), 1)}`);
  });
});
