import { describe, expect, it } from "vitest";
import { UnsafeRecoveryError } from "../../src/core/errors.js";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../../src/core/labels.js";
import { ensureMemberDoesNotAnswer } from "../../src/recovery/claim-safety.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { startStatefulSetPod } from "../../src/recovery/start-statefulset-pod.js";
import type { StatefulSetMemberWorkload } from "../../src/core/config/types.js";
import { FakeStatefulSetWorld, plannedRecovery } from "../support/fake-statefulset-world.js";

/** The ID etcd gives member 3 when the recovery adds it back. */
const ADDED_ID = "2001";

/** A log whose last sign says the data dir holds a write-ahead log the cluster no longer knows. */
const STALE_LOG = [
  "2024-01-02 03:04:00.000000 I | etcdserver: starting member 3eb in cluster 1",
  "2024-01-02 03:04:01.000000 E | rafthttp: rejected stream from remote peer 3e9 since it was removed",
].join("\n");

/**
 * Member 3 (Pod example-2, claim data-example-2) crash-loops with `log`; Diagnose and Guard cleared its recovery,
 * and Remove and Add have run: the member list holds it as learner `ADDED_ID`, which does not answer yet.
 */
async function removedAndAdded(log?: string) {
  const world = new FakeStatefulSetWorld();
  world.crashLoop(3, log);
  const ctx = world.context();
  const { run, plan } = await plannedRecovery(ctx);
  const peerURL = world.member(3).peerURL;
  world.members = world.members.filter((m) => m.id !== "1003");
  world.members.push({ id: ADDED_ID, name: "", peerURLs: [peerURL], clientURLs: [], isLearner: true });
  const workload = ctx.member.workload as StatefulSetMemberWorkload;
  const added = { memberId: ADDED_ID, learner: true, initialCluster: "(as Add answered)" };
  return { world, run, plan, workload, added };
}

/** Member 3's etcd runs as the added member. */
function answersAsAdded(world: FakeStatefulSetWorld): void {
  world.processes.set(world.member(3).clientURL, { memberId: ADDED_ID, clusterId: world.clusterId });
}

const ANSWERS = "member example-2 already answers as the added member; its Pod and data are left alone: run again";

describe("ensureMemberDoesNotAnswer", () => {
  it("refuses to touch the Pod or the claim of a member that answers as the added member", async () => {
    const { world, run, plan } = await removedAndAdded();
    answersAsAdded(world);
    await expect(ensureMemberDoesNotAnswer(run, plan, ADDED_ID, true)).rejects.toThrow(ANSWERS);
    await expect(ensureMemberDoesNotAnswer(run, plan, ADDED_ID, false)).rejects.toThrow(ANSWERS);
  });

  it("refuses when its own start scripts added it and it answers as a voting member", async () => {
    const { world, run, plan } = await removedAndAdded();
    world.members.find((m) => m.id === ADDED_ID)!.isLearner = false;
    answersAsAdded(world);
    await expect(ensureMemberDoesNotAnswer(run, plan, undefined, true)).rejects.toThrow(ANSWERS);
  });

  it("refuses to delete the claim while quorum is at risk, but may still replace the Pod", async () => {
    const { world, run, plan } = await removedAndAdded();
    world.processes.delete(world.member(2).clientURL);
    const refusal = await ensureMemberDoesNotAnswer(run, plan, ADDED_ID, true).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UnsafeRecoveryError);
    expect((refusal as UnsafeRecoveryError).reason).toBe("quorum-lost");
    expect((refusal as Error).message).toMatch(/^quorum is lost: 1 of 2 voting members answer/);
    await expect(ensureMemberDoesNotAnswer(run, plan, ADDED_ID, false)).resolves.toBeUndefined();
  });

  it("refuses to delete the claim when it cannot see the cluster to check quorum", async () => {
    const { world, run, plan } = await removedAndAdded();
    world.processes.clear();
    await expect(ensureMemberDoesNotAnswer(run, plan, ADDED_ID, true)).rejects.toThrow(
      "could not check quorum before deleting the member's claim: no member of cluster default/example returned " +
        "the member list",
    );
  });

  it("allows it when the member does not answer and quorum holds without it", async () => {
    const { run, plan } = await removedAndAdded();
    await expect(ensureMemberDoesNotAnswer(run, plan, ADDED_ID, true)).resolves.toBeUndefined();
  });
});

describe("Start of a StatefulSet member and its claim", () => {
  it("deletes neither claim nor Pod while the member answers", async () => {
    const { world, run, plan, workload, added } = await removedAndAdded(STALE_LOG);
    answersAsAdded(world);
    await expect(startStatefulSetPod(run, plan, added, workload)).rejects.toThrow(ANSWERS);
    expect(world.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
    expect([...world.claims.keys()]).toEqual(["data-example-0", "data-example-1", "data-example-2"]);
  });

  it("deletes neither claim nor Pod while quorum is at risk", async () => {
    const { world, run, plan, workload, added } = await removedAndAdded(STALE_LOG);
    world.processes.delete(world.member(2).clientURL);
    await expect(startStatefulSetPod(run, plan, added, workload)).rejects.toThrow(UnsafeRecoveryError);
    expect(world.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
    expect(world.claims.has("data-example-2")).toBe(true);
  });

  it("deletes the member's own claim only, for the sign it quotes, then its Pod", async () => {
    const { world, run, plan, workload, added } = await removedAndAdded(STALE_LOG);
    world.startMember = (index) => index === 3 && answersAsAdded(world);
    const others = [world.claims.get("data-example-0"), world.claims.get("data-example-1")];

    const outcome = await startStatefulSetPod(run, plan, added, workload);
    expect(outcome.outcome).toBe("done");
    expect(world.calls).toEqual(["update example", "delete claim data-example-2", "delete pod example-2"]);
    expect(outcome.detail).toContain(
      "deleted PersistentVolumeClaim data-example-2 (its data dir holds a write-ahead log the cluster no longer " +
        "knows: rafthttp: rejected stream from remote peer 3e9 since it was removed); deleted Pod example-2",
    );
    expect([world.claims.get("data-example-0"), world.claims.get("data-example-1")]).toEqual(others);
    expect(outcome.event?.message).toBe(
      "Started etcd member example-2 (Pod example-2) with initial cluster state existing on an empty " +
        "PersistentVolumeClaim data-example-2",
    );
  });

  it("keeps the claim of a member whose data was lost with nothing written since", async () => {
    const { world, run, plan, workload, added } = await removedAndAdded();
    world.startMember = (index) => index === 3 && answersAsAdded(world);
    expect((await startStatefulSetPod(run, plan, added, workload)).outcome).toBe("done");
    expect(world.calls).toEqual(["update example", "delete pod example-2"]);
    expect(world.claims.has("data-example-2")).toBe(true);
  });
});

describe("one member at a time", () => {
  it("refuses another member's recovery while the StatefulSet is held for one, changing nothing", async () => {
    const world = new FakeStatefulSetWorld();
    world.crashLoop(2);
    const mark = { since: "2024-01-02T03:00:00.000Z", by: "other-host", member: "example-2" };
    world.set.metadata!.annotations = { [RECOVERY_UNDER_WAY_ANNOTATION]: JSON.stringify(mark) };
    const before = structuredClone(world.set);
    const result = await runRecovery(world.context({ index: 2 }));
    expect(result.outcome).toBe("refused");
    expect(result.reason).toBe(
      "StatefulSet example is marked as under recovery of member example-2 since 2024-01-02T03:00:00.000Z (by " +
        "other-host): that recovery changed the StatefulSet for its member and has not finished; recover member " +
        "example-2 first (its recovery puts the StatefulSet back), then run again",
    );
    expect(world.calls).toEqual([]);
    expect(world.set).toEqual(before);
  });
});
