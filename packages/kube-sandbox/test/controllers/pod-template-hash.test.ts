import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fnv32a,
  podTemplateHash,
  safeEncode,
  sameTemplate,
  stableStringify,
} from "../../src/controllers/pod-template-hash.js";

const template = {
  metadata: { labels: { app: "etcd-0", role: "member" } },
  spec: { containers: [{ name: "etcd", image: "etcd:3.4", args: ["--name", "etcd-0"] }] },
};

describe("fnv32a", () => {
  it("matches the published FNV-1a test vectors", () => {
    expect(fnv32a("")).toBe(0x811c9dc5);
    expect(fnv32a("a")).toBe(0xe40c292c);
    expect(fnv32a("foobar")).toBe(0xbf9cf968);
  });
});

describe("podTemplateHash", () => {
  it("is 8 to 10 characters of the safe alphabet and the same every time", () => {
    const hash = podTemplateHash(template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    expect(podTemplateHash(structuredClone(template))).toBe(hash);
  });

  it("does not depend on key order", () => {
    const reordered = {
      spec: { containers: [{ args: ["--name", "etcd-0"], image: "etcd:3.4", name: "etcd" }] },
      metadata: { labels: { role: "member", app: "etcd-0" } },
    };
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it("changes with the template and with the collision count", () => {
    const changed = structuredClone(template);
    changed.spec.containers[0]!.args.push("--force-new-cluster");
    expect(podTemplateHash(changed)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
  });

  it("ignores the pod-template-hash label a ReplicaSet's copy carries", () => {
    const copy = structuredClone(template) as typeof template & { metadata: { labels: Record<string, string> } };
    copy.metadata.labels["pod-template-hash"] = podTemplateHash(template);
    expect(podTemplateHash(copy)).toBe(podTemplateHash(template));
    expect(sameTemplate(copy, template)).toBe(true);
  });

  it("always renders within the alphabet and length for any template", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.nat(), { nil: undefined }), (spec, collisions) => {
        const hash = podTemplateHash({ spec: { anything: spec } }, collisions);
        expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
      }),
    );
  });
});

describe("safeEncode and stableStringify", () => {
  it("maps each character into the alphabet", () => {
    expect(safeEncode("0123456789")).toHaveLength(10);
    // "0" is byte 48, and 48 % 27 = 21 picks the alphabet's 22nd character.
    expect(safeEncode("0")).toBe("4");
  });

  it("sorts keys and drops undefined fields", () => {
    expect(stableStringify({ b: 1, a: { d: undefined, c: [2, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

describe("sameTemplate", () => {
  it("treats an empty label map as no labels, and a different arg as a different template", () => {
    expect(sameTemplate({ metadata: { labels: {} }, spec: {} }, { spec: {} })).toBe(true);
    const changed = structuredClone(template);
    changed.spec.containers[0]!.args = ["--name", "other"];
    expect(sameTemplate(changed, template)).toBe(false);
  });

  it("treats null and empty fields as absent, as kubectl rollout undo sends them", () => {
    const sent = structuredClone(template) as typeof template & { metadata: Record<string, unknown> };
    sent.metadata.creationTimestamp = null;
    sent.spec.containers = sent.spec.containers.map((c) => ({ ...c, resources: {} }));
    expect(sameTemplate(sent, template)).toBe(true);
    sent.spec.containers = sent.spec.containers.map((c) => ({ ...c, resources: { limits: { cpu: "1" } } }));
    expect(sameTemplate(sent, template)).toBe(false);
  });
});
