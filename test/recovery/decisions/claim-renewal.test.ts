import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  claimRenewalOf,
  claimWipeReason,
  emptyClaimOf,
  formatClaimRenewal,
  nextClaimRenewalStep,
  parseClaimRenewal,
} from "../../../src/recovery/decisions/claim-renewal.js";

const TOCOMMIT =
  "2024-01-01 10:00:00.000000 P | raft: tocommit(12) is out of range [lastIndex(0)]. Was the raft log corrupted, " +
  "truncated, or lost?";

/** A claim as the API server answers it once bound. */
const boundClaim: V1PersistentVolumeClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: {
    name: "example-3-data",
    namespace: "default",
    uid: "uid-old",
    resourceVersion: "41",
    labels: { "etcd.responder.io/cluster": "example" },
    annotations: { "pv.kubernetes.io/bind-completed": "yes" },
    finalizers: ["kubernetes.io/pvc-protection"],
  },
  spec: {
    storageClassName: "standard",
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
    volumeMode: "Filesystem",
    volumeName: "pvc-uid-old",
  },
  status: { phase: "Bound" },
};

describe("claimWipeReason", () => {
  it("empties a claim whose data dir holds a write-ahead log the cluster no longer knows, quoting the sign", () => {
    for (const line of [
      TOCOMMIT,
      "2024-01-01 E | rafthttp: the member has been permanently removed from the cluster",
      "2024-01-01 E | rafthttp: rejected stream from remote peer 8e9f since it was removed",
    ]) {
      const reason = claimWipeReason("when-stale", `starting\n${line}\n`);
      expect(reason).toMatch(/^its data dir holds a write-ahead log the cluster no longer knows: /);
      expect(reason).toContain(line.replace(/^.* [PE] \| /, ""));
    }
  });

  it("keeps a claim whose data was lost with nothing written since, or that crashed for another reason", () => {
    expect(claimWipeReason("when-stale", "C | etcdmain: member 8e9f has already been bootstrapped")).toBeUndefined();
    expect(
      claimWipeReason("when-stale", "C | etcdmain: cannot access data directory: permission denied"),
    ).toBeUndefined();
    expect(claimWipeReason("when-stale", "")).toBeUndefined();
  });

  it("empties it on every recovery when the configuration says always", () => {
    expect(claimWipeReason("always", "")).toBe("the configuration empties it on every recovery");
  });
});

describe("a claim's renewal", () => {
  it("records the name, UID, labels and what the claim asks for, never its binding or status", () => {
    const renewal = claimRenewalOf(boundClaim, "why");
    expect(renewal).toEqual({
      claim: "example-3-data",
      uid: "uid-old",
      reason: "why",
      labels: { "etcd.responder.io/cluster": "example" },
      spec: {
        storageClassName: "standard",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        volumeMode: "Filesystem",
      },
    });
    expect(parseClaimRenewal(formatClaimRenewal(renewal))).toEqual(renewal);
  });

  it("makes an empty claim of the same name, labels and spec, with nothing the old one was bound to", () => {
    expect(emptyClaimOf(claimRenewalOf(boundClaim, "why"), "default")).toEqual({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "example-3-data", namespace: "default", labels: { "etcd.responder.io/cluster": "example" } },
      spec: {
        storageClassName: "standard",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        volumeMode: "Filesystem",
      },
    });
  });

  it("refuses to record a claim without a UID, and to read a record that lacks one", () => {
    expect(() => claimRenewalOf({ metadata: { name: "x" } }, "why")).toThrow(/without a name or UID/);
    expect(() => parseClaimRenewal('{"claim":"x"}')).toThrow(/lacks the claim's name, UID or spec/);
    expect(() => parseClaimRenewal("{")).toThrow(/not JSON/);
  });

  it("goes on from wherever an earlier attempt stopped: delete the old claim, create the new one, or nothing", () => {
    const renewal = { uid: "uid-old" };
    expect(nextClaimRenewalStep(renewal, { uid: "uid-old" })).toBe("delete");
    expect(nextClaimRenewalStep(renewal, undefined)).toBe("create");
    expect(nextClaimRenewalStep(renewal, { uid: "uid-new" })).toBe("done");
  });
});
