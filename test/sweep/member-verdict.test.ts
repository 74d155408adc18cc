import { describe, expect, it } from "vitest";
import { crashLoopingContainer, judgeMember } from "../../src/intake/sweep.js";
import { generatedLabels, memberPod } from "./sweep-fixtures.js";

const labels = generatedLabels("example", 3);
const moment = { now: 100_000, deadAfterMs: 5000 };

describe("judgeMember", () => {
  it("recovers a member whose etcd container waits in CrashLoopBackOff, naming the Pod", () => {
    const verdict = judgeMember(
      { replicas: 1, pods: [memberPod("example-3-abc-x1", labels, { waiting: "CrashLoopBackOff" })] },
      moment,
    );
    expect(verdict).toEqual({
      action: "recover",
      reason: "Pod example-3-abc-x1 is in CrashLoopBackOff",
      pod: "example-3-abc-x1",
    });
  });

  it("leaves a healthy member, one still creating its container, and one whose sidecar crash-loops", () => {
    expect(judgeMember({ replicas: 1, pods: [memberPod("p", labels)] }, moment).action).toBe("none");
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels, { waiting: "ContainerCreating" })] }, moment).action,
    ).toBe("none");
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" })] }, moment)
        .action,
    ).toBe("none");
  });

  it("ignores a crash-looping Pod that is being deleted when its replacement is fine", () => {
    const pods = [memberPod("old", labels, { waiting: "CrashLoopBackOff", deleting: true }), memberPod("new", labels)];
    expect(judgeMember({ replicas: 1, pods }, moment).action).toBe("none");
  });

  it("leaves members without a Deployment or scaled to 0, even with a crash-looping Pod", () => {
    const crashing = [memberPod("p", labels, { waiting: "CrashLoopBackOff" })];
    expect(judgeMember({ replicas: undefined, pods: crashing }, moment)).toMatchObject({
      action: "none",
      reason: "the member has no Deployment",
    });
    expect(judgeMember({ replicas: 0, pods: crashing }, moment)).toMatchObject({
      action: "none",
      reason: "the member's Deployment is scaled to 0",
    });
  });

  it("waits for a Pod that is missing, then recovers once it has been missing longer than deadAfter", () => {
    const first = judgeMember({ replicas: 1, pods: [] }, moment);
    expect(first).toMatchObject({ action: "none", missingSince: 100_000 });
    const early = judgeMember({ replicas: 1, pods: [] }, { ...moment, now: 105_000, missingSince: 100_000 });
    expect(early).toMatchObject({ action: "none", missingSince: 100_000 });
    const late = judgeMember({ replicas: 1, pods: [] }, { ...moment, now: 105_001, missingSince: 100_000 });
    expect(late).toEqual({
      action: "recover",
      reason: "the Deployment wants 1 Pod(s) but has had none for 5 s",
      missingSince: 100_000,
    });
    expect(late).not.toHaveProperty("pod");
  });

  it("counts only Terminating Pods as missing", () => {
    const verdict = judgeMember(
      { replicas: 1, pods: [memberPod("p", labels, { deleting: true })] },
      { ...moment, missingSince: 1 },
    );
    expect(verdict.action).toBe("recover");
  });

  it("forgets a missing Pod once one exists", () => {
    expect(
      judgeMember({ replicas: 1, pods: [memberPod("p", labels)] }, { ...moment, missingSince: 1 }),
    ).not.toHaveProperty("missingSince");
  });
});

describe("crashLoopingContainer", () => {
  it("looks at the etcd container only", () => {
    expect(crashLoopingContainer(memberPod("p", labels, { waiting: "CrashLoopBackOff" }))).toBe("etcd");
    expect(crashLoopingContainer(memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" }))).toBeUndefined();
  });

  it("looks at every container when the Pod spec names none", () => {
    const pod = memberPod("p", labels, { sidecarWaiting: "CrashLoopBackOff" });
    delete pod.spec;
    expect(crashLoopingContainer(pod)).toBe("metrics-proxy");
  });
});
