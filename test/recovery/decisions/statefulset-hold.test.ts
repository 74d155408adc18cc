import type { V1Container, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  holdForRecovery,
  readOriginal,
  releaseHold,
  RESTORE_ANNOTATION,
} from "../../../src/recovery/decisions/statefulset-hold.js";
import { exampleStatefulSet } from "../../support/fake-statefulset-world.js";

const INITIAL_CLUSTER =
  "example-0=http://example-0.example-headless.default.svc:2380," +
  "example-1=http://example-1.example-headless.default.svc:2380," +
  "example-2=http://example-2.example-headless.default.svc:2380";

/** A StatefulSet whose etcd container passes its settings as flags, next to a sidecar; no update strategy set. */
function flagStatefulSet(): V1StatefulSet {
  const set = exampleStatefulSet();
  delete set.spec!.updateStrategy;
  const etcd: V1Container = {
    name: "etcd",
    image: "etcd",
    command: ["etcd"],
    args: ["--name=$(POD)", "--initial-cluster=example-0=http://a:2380", "--initial-cluster-state=new"],
    env: [{ name: "ETCDCTL_API", value: "3" }],
  };
  set.spec!.template.spec!.containers = [{ name: "metrics", image: "proxy" }, etcd];
  return set;
}

const envOf = (container: V1Container | undefined, name: string) => container?.env?.find((e) => e.name === name)?.value;

describe("holdForRecovery", () => {
  it("records strategy and etcd container, sets OnDelete and the variables of a template that uses them", () => {
    const set = exampleStatefulSet();
    const before = structuredClone(set);
    const changes = holdForRecovery(set, INITIAL_CLUSTER);

    expect(changes).toEqual([
      "update strategy OnDelete (was RollingUpdate)",
      "env ETCD_INITIAL_CLUSTER",
      "env ETCD_INITIAL_CLUSTER_STATE",
    ]);
    expect(JSON.parse(set.metadata!.annotations![RESTORE_ANNOTATION]!)).toEqual({
      updateStrategy: { type: "RollingUpdate" },
      container: before.spec!.template.spec!.containers[0],
    });
    expect(set.spec!.updateStrategy).toEqual({ type: "OnDelete" });
    const etcd = set.spec!.template.spec!.containers[0];
    expect(envOf(etcd, "ETCD_INITIAL_CLUSTER")).toBe(INITIAL_CLUSTER);
    expect(envOf(etcd, "ETCD_INITIAL_CLUSTER_STATE")).toBe("existing");
    expect(etcd?.args).toBeUndefined();
    // Nothing else of the StatefulSet changes.
    const rest = (s: V1StatefulSet) => ({ ...s.spec, updateStrategy: undefined, template: undefined });
    expect(rest(set)).toEqual(rest(before));
  });

  it("sets the flags where the template passes them, leaving the variables and other containers alone", () => {
    const set = flagStatefulSet();
    const before = structuredClone(set);
    const changes = holdForRecovery(set, INITIAL_CLUSTER);

    expect(changes).toEqual([
      "update strategy OnDelete (was RollingUpdate)",
      "args --initial-cluster",
      "args --initial-cluster-state",
    ]);
    const [sidecar, etcd] = set.spec!.template.spec!.containers;
    expect(sidecar).toEqual(before.spec!.template.spec!.containers[0]);
    expect(etcd?.args).toEqual([
      "--name=$(POD)",
      `--initial-cluster=${INITIAL_CLUSTER}`,
      "--initial-cluster-state=existing",
    ]);
    expect(etcd?.env).toEqual([{ name: "ETCDCTL_API", value: "3" }]);
    expect(readOriginal(set)).toEqual({ updateStrategy: null, container: before.spec!.template.spec!.containers[1] });
  });

  it("keeps the first record when held twice, and changes nothing more", () => {
    const set = exampleStatefulSet();
    holdForRecovery(set, INITIAL_CLUSTER);
    const once = structuredClone(set);
    const changes = holdForRecovery(set, INITIAL_CLUSTER);
    expect(changes).toEqual(["env ETCD_INITIAL_CLUSTER", "env ETCD_INITIAL_CLUSTER_STATE"]);
    expect(set).toEqual(once);
  });

  it("throws for a template without a container", () => {
    const set = exampleStatefulSet();
    set.spec!.template.spec!.containers = [];
    expect(() => holdForRecovery(set, INITIAL_CLUSTER)).toThrow("StatefulSet example has no container");
  });
});

describe("releaseHold", () => {
  it.each([
    ["a template that uses variables, strategy RollingUpdate", exampleStatefulSet],
    ["a template that uses flags, no strategy set", flagStatefulSet],
  ])("puts back exactly what it was for %s, and the record goes", (_name, make) => {
    const original = make();
    const set = structuredClone(original);
    holdForRecovery(set, INITIAL_CLUSTER);
    expect(releaseHold(set)).toBe(true);
    // The annotations object stays, empty; everything else is as it was.
    expect({ ...set, metadata: { ...set.metadata, annotations: undefined } }).toEqual({
      ...original,
      metadata: { ...original.metadata, annotations: undefined },
    });
    expect(set.metadata?.annotations).toEqual({});
  });

  it("puts the record back even over a template changed since (a revert), and does nothing a second time", () => {
    const original = exampleStatefulSet();
    const set = structuredClone(original);
    holdForRecovery(set, INITIAL_CLUSTER);
    set.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
    expect(releaseHold(set)).toBe(true);
    expect(set.spec).toEqual(original.spec);
    const released = structuredClone(set);
    expect(releaseHold(set)).toBe(false);
    expect(set).toEqual(released);
  });

  it("changes nothing on a StatefulSet that was never held or whose record cannot be read", () => {
    const set = exampleStatefulSet();
    const before = structuredClone(set);
    expect(releaseHold(set)).toBe(false);
    set.metadata!.annotations = { [RESTORE_ANNOTATION]: "{not json" };
    expect(readOriginal(set)).toBeUndefined();
    expect(releaseHold(set)).toBe(false);
    expect(set.spec).toEqual(before.spec);
  });
});
