import { describe, expect, it } from "vitest";
import { chooseRealCluster } from "../../../src/recovery/decisions/real-cluster.js";

const report = (n: number, clusterId: string) => ({ clientURL: `http://m${n}:2379`, clusterId });

describe("chooseRealCluster", () => {
  it("takes the ID most members report; the others are foreign", () => {
    const real = chooseRealCluster([report(1, "9"), report(2, "7"), report(3, "7"), report(4, "7")]);
    expect(real.clusterId).toBe("7");
    expect(real.members).toEqual(["http://m2:2379", "http://m3:2379", "http://m4:2379"]);
    expect(real.foreign).toEqual([report(1, "9")]);
    expect(real.problem).toBeUndefined();
  });

  it("breaks a tie against the member being recovered", () => {
    expect(chooseRealCluster([report(1, "7"), report(3, "9")], { suspect: "http://m3:2379" }).clusterId).toBe("7");
  });

  it("reports a tie it cannot break instead of guessing", () => {
    const real = chooseRealCluster([report(1, "7"), report(2, "9")], { suspect: "http://m3:2379" });
    expect(real.clusterId).toBeUndefined();
    expect(real.problem?.reason).toBe("cluster-id-ambiguous");
    expect(real.problem?.message).toContain("pin clusterID");
  });

  it("uses the pinned ID, and reports when nobody answers for it", () => {
    expect(chooseRealCluster([report(1, "7"), report(2, "9"), report(3, "9")], { pinned: "7" })).toMatchObject({
      clusterId: "7",
      members: ["http://m1:2379"],
    });
    const mismatch = chooseRealCluster([report(1, "9")], { pinned: "7" });
    expect(mismatch.problem?.reason).toBe("cluster-id-mismatch");
    expect(mismatch.problem?.message).toBe(
      "no etcd member answers for the configured cluster ID 7; the members that answer report 9",
    );
  });

  it("knows no cluster when nobody answers", () => {
    expect(chooseRealCluster([])).toEqual({ members: [], foreign: [] });
  });
});
