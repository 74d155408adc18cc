import { describe, expect, it } from "vitest";
import { planLines, type PlanInput } from "../../../src/recovery/decisions/plan-lines.js";

const base: PlanInput = {
  verdict: "recover",
  workload: { kind: "Deployment", name: "example-3" },
  memberName: "example3",
  peerURL: "http://example3:2380",
  running: true,
  snapshot: { from: "http://example1:2379", dir: "/backups", keep: 3 },
  removals: ["8e9f (example3, http://example3:2380)", "1a2b (example4, http://example4:2380)"],
  learner: true,
  initialCluster: "example1=http://example1:2380,example3=http://example3:2380",
};

describe("planLines", () => {
  it("lists a full recovery in runbook order", () => {
    expect(planLines(base)).toEqual([
      "take a snapshot from http://example1:2379 into /backups (keeping the newest 3)",
      "scale Deployment example-3 to 0 and wait until its Pod is gone",
      "remove dead member 8e9f (example3, http://example3:2380)",
      "remove dead member 1a2b (example4, http://example4:2380)",
      "add example3 (http://example3:2380) as a learner",
      "set --initial-cluster=example1=http://example1:2380,example3=http://example3:2380 and --initial-cluster-state=existing on Deployment example-3",
      "scale Deployment example-3 to 1 and wait until example3 answers",
      "promote learner example3 to a voting member",
      "verify: every member votes and answers with the same leader, the Pod is Ready, " +
        "and hashKV is equal on all members",
    ]);
  });

  it("adds a voting member without a promotion, and says when the Deployment is stopped already", () => {
    const lines = planLines({ ...base, learner: false, running: false, snapshot: undefined, removals: [] });
    expect(lines).toContain("add example3 (http://example3:2380) as a voting member");
    expect(lines).toContain("Deployment example-3 is already stopped (0 replicas, no Pod)");
    expect(lines.some((l) => l.startsWith("promote"))).toBe(false);
    expect(lines.some((l) => l.startsWith("take a snapshot"))).toBe(false);
  });

  it("makes a Deployment member's claim again, empty, before it starts, saying why", () => {
    const lines = planLines({
      ...base,
      claimRenewal: { claim: "example-3-data", reason: "the configuration says so" },
    });
    const renewal = lines.indexOf(
      "delete PersistentVolumeClaim example-3-data and make it again, empty, with the same spec (the configuration " +
        "says so)",
    );
    expect(lines[renewal - 1]).toBe("add example3 (http://example3:2380) as a learner");
    expect(lines[renewal + 1]).toMatch(/^set --initial-cluster=/);
  });

  it("resumes at promote or verify", () => {
    expect(planLines({ ...base, verdict: "resume-promote" })).toEqual([
      "promote learner example3 to a voting member (an earlier recovery started it)",
      "verify: every member votes and answers with the same leader, the Pod is Ready, " +
        "and hashKV is equal on all members",
    ]);
    expect(planLines({ ...base, verdict: "resume-verify" })).toHaveLength(1);
  });
});
