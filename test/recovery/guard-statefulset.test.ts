import { describe, expect, it } from "vitest";
import { UnsafeRecoveryError } from "../../src/core/errors.js";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../../src/core/labels.js";
import { RESTORE_ANNOTATION } from "../../src/recovery/decisions/statefulset-hold.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import type { RecoveryResult } from "../../src/recovery/context.js";
import { FakeStatefulSetWorld } from "../support/fake-statefulset-world.js";

/** The stable reason of a refusal (or of the failure a refusal becomes once an earlier attempt changed something). */
const refusalOf = (result: RecoveryResult) =>
  result.error instanceof UnsafeRecoveryError ? result.error.reason : undefined;

/** Member 3 (Pod example-2) crash-loops on lost data: the case every refusal below starts from. */
function crashLoopingWorld(): FakeStatefulSetWorld {
  const world = new FakeStatefulSetWorld();
  world.crashLoop(3);
  return world;
}

/** Marks the StatefulSet as held by an earlier attempt of member 3's recovery, with the strategy `strategy`. */
function heldByEarlierAttempt(world: FakeStatefulSetWorld, strategy: "OnDelete" | "RollingUpdate"): void {
  const original = { updateStrategy: world.set.spec?.updateStrategy, container: world.container() };
  world.set.metadata!.annotations = {
    [RECOVERY_UNDER_WAY_ANNOTATION]: JSON.stringify({
      since: "2024-01-02T03:00:00.000Z",
      by: "other",
      member: "example-2",
    }),
    [RESTORE_ANNOTATION]: JSON.stringify(original),
  };
  world.set.spec!.updateStrategy = { type: strategy };
}

describe("guard of a StatefulSet member", () => {
  it("passes a crash-looping member of a StatefulSet that is not rolling out, with no learner", async () => {
    const world = crashLoopingWorld();
    const ctx = world.context({ mode: "observe" });
    const result = await runRecovery(ctx);
    expect(result.outcome, result.reason).toBe("succeeded");
    expect(result.steps.map((s) => [s.name, s.outcome])).toContainEqual(["guard", "done"]);
    expect(world.calls).toEqual([]);
  });

  it("passes a StatefulSet still held (OnDelete) by an earlier attempt of the same member", async () => {
    const world = crashLoopingWorld();
    heldByEarlierAttempt(world, "OnDelete");
    const result = await runRecovery(world.context({ mode: "observe" }));
    expect(result.outcome, result.reason).toBe("succeeded");
    expect(world.calls).toEqual([]);
  });

  it("refuses while the StatefulSet rolls out (current and update revisions differ), changing nothing", async () => {
    const world = crashLoopingWorld();
    world.set.status!.updateRevision = "example-2";
    const before = structuredClone(world.set);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(refusalOf(result)).toBe("rollout-in-progress");
    expect(result.reason).toBe(
      "StatefulSet example is in the middle of a rollout (current revision example-1, update revision example-2): " +
        "changing its template now could restart healthy members while one is down; let the rollout finish (or " +
        "roll it back), then run again",
    );
    expect(world.calls).toEqual([]);
    expect(world.set).toEqual(before);
    expect(world.events.map((e) => e.event.reason)).toEqual(["RecoveryStarted", "MemberDiagnosed", "RecoveryRefused"]);
  });

  it("refuses while etcd lists a learner other than the member, changing nothing", async () => {
    const world = crashLoopingWorld();
    world.members[1]!.isLearner = true;
    const before = structuredClone(world.set);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(refusalOf(result)).toBe("learner-present");
    expect(result.reason).toBe(
      "etcd lists learner 3ea (example-1, http://example-1.example-headless.default.svc:2380), and a cluster takes " +
        "one learner at a time: promote it or remove it (etcdctl member promote/remove), then run again",
    );
    expect(world.calls).toEqual([]);
    expect(world.set).toEqual(before);
  });

  it("stops when the hold was reverted mid-recovery (Helm or GitOps put RollingUpdate back), unchanged", async () => {
    const world = crashLoopingWorld();
    heldByEarlierAttempt(world, "RollingUpdate");
    const before = structuredClone(world.set);
    const result = await runRecovery(world.context());
    // An earlier attempt changed the StatefulSet, so the stop is a failure, not a refusal; its reason says why.
    expect(result.outcome).toBe("failed");
    expect(refusalOf(result)).toBe("statefulset-changed");
    expect(result.reason).toContain(
      "StatefulSet example was changed during the recovery: its update strategy is RollingUpdate, not the OnDelete " +
        "the recovery set (Helm or GitOps may have put the template back); check that no healthy Pod is rolling, " +
        "then run again",
    );
    expect(world.calls).toEqual([]);
    expect(world.set).toEqual(before);
  });
});
