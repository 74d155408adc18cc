import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergePatch } from "../../../src/api/patch/merge-patch.js";
import { strategicMergePatch } from "../../../src/api/patch/strategic-merge-patch.js";

const podSpec = () => ({
  containers: [
    {
      name: "etcd",
      image: "etcd:3.4",
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
      ports: [{ containerPort: 2379 }],
    },
    { name: "sidecar", image: "busybox" },
  ],
  volumes: [{ name: "data", emptyDir: {} }],
  tolerations: [{ key: "a" }],
});

describe("strategicMergePatch", () => {
  it("merges containers, env and ports by their keys and keeps the rest", () => {
    const out = strategicMergePatch(podSpec(), {
      containers: [
        {
          name: "etcd",
          image: "etcd:3.5",
          env: [
            { name: "B", value: "3" },
            { name: "C", value: "4" },
          ],
          ports: [{ containerPort: 2380 }],
        },
      ],
    }) as ReturnType<typeof podSpec>;
    expect(out.containers).toEqual([
      {
        name: "etcd",
        image: "etcd:3.5",
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "3" },
          { name: "C", value: "4" },
        ],
        ports: [{ containerPort: 2379 }, { containerPort: 2380 }],
      },
      { name: "sidecar", image: "busybox" },
    ]);
    expect(out.volumes).toEqual([{ name: "data", emptyDir: {} }]);
  });

  it("replaces lists without a merge key", () => {
    const out = strategicMergePatch(podSpec(), { tolerations: [{ key: "b" }] }) as ReturnType<typeof podSpec>;
    expect(out.tolerations).toEqual([{ key: "b" }]);
  });

  it("deletes list items and map keys with $patch: delete and null", () => {
    const out = strategicMergePatch(podSpec(), {
      containers: [
        { name: "sidecar", $patch: "delete" },
        { name: "etcd", env: [{ name: "A", $patch: "delete" }], ports: null },
      ],
      volumes: null,
    }) as Record<string, unknown>;
    expect(out.containers).toEqual([{ name: "etcd", image: "etcd:3.4", env: [{ name: "B", value: "2" }] }]);
    expect(out).not.toHaveProperty("volumes");
  });

  it("replaces a whole list or map with $patch: replace", () => {
    const list = strategicMergePatch(podSpec(), {
      volumes: [{ $patch: "replace" }, { name: "new", emptyDir: {} }],
    }) as ReturnType<typeof podSpec>;
    expect(list.volumes).toEqual([{ name: "new", emptyDir: {} }]);
    const map = strategicMergePatch(
      { metadata: { labels: { a: "1", b: "2" } } },
      { metadata: { labels: { $patch: "replace", c: "3" } } },
    );
    expect(map).toEqual({ metadata: { labels: { c: "3" } } });
  });

  it("drops $setElementOrder keys after ordering the list by them", () => {
    const out = strategicMergePatch(podSpec(), {
      "$setElementOrder/containers": [{ name: "sidecar" }, { name: "etcd" }],
      containers: [{ name: "etcd", image: "etcd:3.5" }],
    }) as Record<string, unknown>;
    expect((out.containers as { name: string }[]).map((c) => c.name)).toEqual(["sidecar", "etcd"]);
    expect(Object.keys(out).some((k) => k.startsWith("$"))).toBe(false);
  });

  it("merges finalizers as a set and removes with $deleteFromPrimitiveList", () => {
    const out = strategicMergePatch(
      { metadata: { finalizers: ["a", "b"] } },
      { metadata: { finalizers: ["b", "c"], "$deleteFromPrimitiveList/finalizers": ["a"] } },
    );
    expect(out).toEqual({ metadata: { finalizers: ["b", "c"] } });
  });

  it("merges Service ports by port and conditions by type", () => {
    const out = strategicMergePatch(
      { spec: { ports: [{ port: 80, name: "http" }] }, status: { conditions: [{ type: "Ready", status: "False" }] } },
      { spec: { ports: [{ port: 443, name: "https" }] }, status: { conditions: [{ type: "Ready", status: "True" }] } },
    );
    expect(out).toEqual({
      spec: {
        ports: [
          { port: 80, name: "http" },
          { port: 443, name: "https" },
        ],
      },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    });
  });

  it("strips directives from new items and leaves its inputs alone", () => {
    const original = podSpec();
    const before = JSON.stringify(original);
    const out = strategicMergePatch(original, {
      containers: [{ name: "new", image: "x", env: [{ name: "gone", $patch: "delete" }] }],
    }) as ReturnType<typeof podSpec>;
    expect(out.containers[2]).toEqual({ name: "new", image: "x", env: [] });
    expect(JSON.stringify(original)).toBe(before);
  });

  it("keeps __proto__ keys as data", () => {
    const out = strategicMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("behaves as a merge patch on maps without lists or directives", () => {
    const key = fc.string({ minLength: 1, maxLength: 4 }).filter((k) => !k.startsWith("$"));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.dictionary(
        key,
        fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.constant(null), tie("tree")),
        { maxKeys: 4 },
      ),
    }));
    fc.assert(
      fc.property(tree, tree, (target, patch) => {
        expect(strategicMergePatch(target, patch)).toEqual(mergePatch(target, patch));
      }),
    );
  });
});
