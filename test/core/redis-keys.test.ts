import { describe, expect, it } from "vitest";
import { DEFAULT_PREFIX, hashTagOf, keySlot, queuePrefixProblem } from "../../src/core/redis-keys.js";

describe("hash tags and slots as Redis Cluster defines them", () => {
  it.each([
    ["{etcd-responder}", "etcd-responder"],
    ["{etcd-responder}:recover.default.example:wait", "etcd-responder"],
    ["app-{etcd}-x", "etcd"],
    ["{a}{b}", "a"],
    // The first `{` counts, and the first `}` after it.
    ["{a{b}c}", "a{b"],
    ["etcd-responder", undefined],
    ["{}", undefined],
    ["{}{x}", undefined],
    ["a{b", undefined],
    ["a}b{", undefined],
  ])("the hash tag of %j is %j", (key, tag) => {
    expect(hashTagOf(key)).toBe(tag);
  });

  // Each slot as `CLUSTER KEYSLOT` of redis-server 7 answers it.
  it.each([
    ["foo", 12182],
    ["hello", 866],
    ["{user1000}.following", 3443],
    ["{etcd-responder}", 14205],
    ["etcd-responder", 14205],
    ["{etcd-responder}:recover.default.example:id", 14205],
    ["é", 10180],
    ["a{}b", 13694],
    ["{}{x}", 3257],
    ["{x", 11068],
  ])("the slot of %j is %d", (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});

describe("queuePrefixProblem", () => {
  it.each([DEFAULT_PREFIX, "team-a.responder_2", "{etcd-responder}", "prod-{etcd-responder}", "{p}x"])(
    "takes %j",
    (prefix) => {
      expect(queuePrefixProblem(prefix, false)).toBeUndefined();
    },
  );

  it.each(["{etcd-responder}", "prod-{etcd-responder}", "{a}"])("takes %j on a cluster", (prefix) => {
    expect(queuePrefixProblem(prefix, true)).toBeUndefined();
  });

  it.each([
    ["etcd responder", /no white space/],
    ["etcd-responder:prod", /no `:`/],
    ["etcd\tresponder", /no white space/],
    ["étcd", /only letters, digits/],
    ["{}etcd", /only as one hash tag with something in it/],
    ["{a}{b}", /only as one hash tag/],
    ["{etcd", /only as one hash tag/],
    ["etcd}", /only as one hash tag/],
    ["}etcd{", /only as one hash tag/],
    ["x".repeat(101), /longer than 100 characters/],
  ])("refuses %j", (prefix, message) => {
    expect(queuePrefixProblem(prefix, false)).toMatch(message);
    expect(queuePrefixProblem(prefix, true)).toMatch(message);
  });

  it("needs a hash tag on a cluster only", () => {
    expect(queuePrefixProblem(DEFAULT_PREFIX, false)).toBeUndefined();
    expect(queuePrefixProblem(DEFAULT_PREFIX, true)).toMatch(/^needs a hash tag on a Redis Cluster/);
  });
});
