import { describe, expect, it } from "vitest";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../../src/core/labels.js";
import { readOriginal, RESTORE_ANNOTATION } from "../../src/recovery/decisions/statefulset-hold.js";
import { holdStatefulSet } from "../../src/recovery/hold-statefulset.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { FakeStatefulSetWorld, plannedRecovery } from "../support/fake-statefulset-world.js";

/** Runs Diagnose, Guard and Hold for crash-looping member 3 (Pod example-2), as a recovery does, and ends the run. */
async function holdForMember3(world: FakeStatefulSetWorld): Promise<void> {
  const ctx = world.context();
  const { workload } = ctx.member;
  if (workload.kind !== "StatefulSet") throw new Error("member 3 runs in a StatefulSet");
  const { run, plan } = await plannedRecovery(ctx);
  await run.step("hold", () => holdStatefulSet(run, plan, workload));
  await run.end("succeeded", "held");
}

describe("Hold and Restore of a StatefulSet", () => {
  it("holds in one write; its StatefulSetHeld Event says the change lasts for the recovery only", async () => {
    const world = new FakeStatefulSetWorld();
    world.crashLoop(3);
    const original = structuredClone(world.set);
    await holdForMember3(world);

    expect(world.calls).toEqual(["update example"]);
    const held = world.events.find((e) => e.event.reason === "StatefulSetHeld");
    expect(held?.target).toMatchObject({ kind: "StatefulSet", name: "example", uid: "uid-example" });
    expect(held?.event).toEqual({
      type: "Normal",
      reason: "StatefulSetHeld",
      message:
        "Switched StatefulSet example to OnDelete and set the initial cluster state to existing for the recovery of " +
        "member example-2 only; both are put back once the member is healthy (a rollout by Helm or GitOps " +
        "meanwhile is caught by the guard and by Verify)",
    });
    expect(world.set.spec?.updateStrategy).toEqual({ type: "OnDelete" });
    expect(readOriginal(world.set)).toEqual({
      updateStrategy: { type: "RollingUpdate" },
      container: original.spec?.template.spec?.containers[0],
    });
    expect(JSON.parse(world.set.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION] ?? "{}")).toMatchObject({
      member: "example-2",
    });
    // No Pod was restarted by the hold.
    expect(world.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
  });

  it("puts the StatefulSet back exactly in one write once the member is healthy, restarting only its Pod", async () => {
    const world = new FakeStatefulSetWorld();
    world.crashLoop(3);
    const original = structuredClone(world.set);
    await holdForMember3(world);
    // The member came back (from the held template) before the first attempt could restore.
    world.calls.length = 0;
    world.processes.set(world.member(3).clientURL, { memberId: "1003", clusterId: world.clusterId });
    world.setPod(3, { kind: "running", ready: true }, { keepProcess: true });

    const result = await runRecovery(world.context());
    expect(result.outcome, result.reason).toBe("succeeded");
    expect(result.reason).toBe("put StatefulSet example back after recovering example-2");
    expect(world.calls).toEqual(["update example", "delete pod example-2"]);
    expect(world.set.spec).toEqual(original.spec);
    expect(world.set.status?.updateRevision).toBe(original.status?.updateRevision);
    const annotations = world.set.metadata?.annotations ?? {};
    expect(annotations[RESTORE_ANNOTATION]).toBeUndefined();
    expect(annotations[RECOVERY_UNDER_WAY_ANNOTATION]).toBeUndefined();
    expect(world.events.map((e) => e.event.reason)).toContain("StatefulSetRestored");

    // Run again: nothing is left to put back.
    world.calls.length = 0;
    expect((await runRecovery(world.context())).outcome).toBe("skipped");
    expect(world.calls).toEqual([]);
  });
});
