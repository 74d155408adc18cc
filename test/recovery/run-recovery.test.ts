import { describe, expect, it } from "vitest";
import { EtcdUnavailableError, UnsafeRecoveryError } from "../../src/core/errors.js";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { BOOTSTRAPPED_LOG, FakeWorld, PERMISSION_LOG } from "../support/fake-world.js";
import { joinedPattern } from "../support/pattern.js";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../../src/core/labels.js";

/** What a cluster that is fully healthy again looks like. */
function expectHealthy(world: FakeWorld, members = 5): void {
  expect(world.members).toHaveLength(members);
  expect(world.members.every((m) => !m.isLearner)).toBe(true);
  for (const member of world.cluster.members) {
    expect(world.processes.get(member.clientURL)?.memberId).toBe(world.entryOf(member.index)?.id);
    expect(world.podsOf(member.index).some((p) => p.status?.containerStatuses?.[0]?.ready)).toBe(true);
  }
  expect(world.leases.has("etcd-responder-example")).toBe(false);
}

/** The calls that change something (Lease bookkeeping left out). */
const changes = (world: FakeWorld) => world.calls.filter((c) => !c.startsWith("lease"));

describe("runRecovery", () => {
  it("recovers a crash-looping member: stop, remove, add as learner, start, promote, verify", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const ctx = world.context();
    const result = await runRecovery(ctx);

    expect(result).toMatchObject({ outcome: "succeeded", reason: "recovered member example3 of default/example" });
    expect(world.calls).toEqual([
      "lease acquire test-holder",
      "snapshot http://example2.default.svc:2379 /backups/example-20240102T030405.000Z.db",
      // The mark that the member is under recovery, before the first change.
      "update example-3",
      "scale example-3 0",
      "remove 1003",
      "add http://example3:2380 learner",
      "update example-3",
      "promote 2001",
      // The mark goes once the member is verified.
      "update example-3",
      "lease release test-holder",
    ]);
    expect(world.deployments.get("example-3")?.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION]).toBeUndefined();
    expect(result.steps.map((s) => [s.name, s.outcome])).toEqual([
      ["permissions", "done"],
      ["lock", "done"],
      ["diagnose", "done"],
      ["guard", "done"],
      ["snapshot", "done"],
      ["stop", "done"],
      ["remove", "done"],
      ["add", "done"],
      ["start", "done"],
      ["promote", "done"],
      ["verify", "done"],
    ]);
    expectHealthy(world);
    const args = world.deployments.get("example-3")?.spec?.template?.spec?.containers?.[0]?.args ?? [];
    expect(args).toContain(
      "--initial-cluster=example1=http://example1:2380,example2=http://example2:2380,example4=http://example4:2380,example5=http://example5:2380,example3=http://example3:2380",
    );
    expect(args).toContain("--initial-cluster-state=existing");
    expect(args).toContain("--name=example3");
    expect(ctx.lines).toContain(
      "[diagnose] done: Pod example-3-abc5 is in CrashLoopBackOff: " +
        "etcdmain: member 3ec3a7f0bf0a8a50 has already been bootstrapped",
    );
  });

  it("records an Event on the member's Deployment for every step that acted", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    await runRecovery(world.context());
    expect(world.events.map((e) => e.event.reason)).toEqual([
      "RecoveryStarted",
      "MemberDiagnosed",
      "QuorumChecked",
      "SnapshotTaken",
      "MemberStopped",
      "DeadMemberRemoved",
      "MemberAdded",
      "MemberStarted",
      "LearnerPromoted",
      "RecoveryVerified",
    ]);
    expect(
      world.events.every(
        (e) => e.target.kind === "Deployment" && e.target.name === "example-3" && e.target.uid === "uid-example-3",
      ),
    ).toBe(true);
  });

  it("skips a healthy member without changing anything", async () => {
    const world = new FakeWorld();
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("skipped");
    expect(result.reason).toMatch(
      /^already healthy: Pod example-3-abc2 is Ready and member example3 is a voting member that answers$/,
    );
    expect(changes(world)).toEqual([]);
    expect(world.events.map((e) => e.event.reason)).toEqual(["RecoveryStarted", "RecoverySkipped"]);
    expect(world.leases.has("etcd-responder-example")).toBe(false);
  });

  it("recovers two crash-looping members in turn, removing every dead member before the first add", async () => {
    const world = new FakeWorld();
    world.crashLoop(2);
    world.crashLoop(4);
    expect((await runRecovery(world.context({ index: 2 }))).outcome).toBe("succeeded");
    expect(changes(world).filter((c) => /^(remove|add)/.test(c))).toEqual([
      "remove 1002",
      "remove 1004",
      "add http://example2:2380 learner",
    ]);
    expect(world.members).toHaveLength(4);

    world.calls.length = 0;
    const second = await runRecovery(world.context({ index: 4 }));
    expect(second.outcome).toBe("succeeded");
    expect(changes(world).filter((c) => /^(remove|add)/.test(c))).toEqual(["add http://example4:2380 learner"]);
    expectHealthy(world);
  });

  it("waits deadAfterSeconds for a member that went down just now before removing it", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.setPod(4, { kind: "running", ready: false }, { notReadyForMs: 0 });
    const start = world.clock.now();
    const ctx = world.context();
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("succeeded");
    expect(world.calls).toContain("remove 1004");
    expect(world.clock.now() - start).toBeGreaterThanOrEqual(5_000);
    expect(ctx.lines.some((l) => /^\[remove\] member 3ec .*asking again until 5.0 s have passed$/.test(l))).toBe(true);
    expect(ctx.lines).toContain(
      "[guard] member 3ec (example4, http://example4:2380) will be removed if it stays unreachable: it does not answer and its Pod example-4-abc6 is not Ready; asking again until 5.0 s have passed",
    );
    expect(ctx.lines).toContain(
      "[remove] removed dead member 3ec (example4, http://example4:2380): it does not answer and its Pod example-4-abc6 has not been Ready for 5.0 s",
    );
  });

  it("never removes a member that does not answer while its Pod is Ready", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.unreachable.add(world.member(5).clientURL);
    const ctx = world.context();
    const result = await runRecovery(ctx);
    expect(world.calls).not.toContain("remove 1005");
    expect(
      ctx.lines.some((l) =>
        l.includes(
          "kept member 3ed (example5, http://example5:2380), which does not answer: its Pod example-5-abc4 is Ready",
        ),
      ),
    ).toBe(true);
    // Verification cannot pass while member 5 does not answer: the run fails on the deadline, saying so.
    expect(result.outcome).toBe("failed");
    expect(result.reason).toMatch(
      joinedPattern(
        /^step verify failed for member 3 \(example3\) of cluster default\/example: /,
        /gave up after 60 s waiting for every member to vote and answer with the same leader /,
        /\(last: member 3ed \(example5, http:\/\/example5:2380\) does not answer\)/,
      ),
    );
  });

  it("refuses without changing anything when quorum is lost", async () => {
    const world = new FakeWorld();
    world.crashLoop(1);
    world.crashLoop(2);
    world.crashLoop(3);
    const result = await runRecovery(world.context());
    expect(result).toMatchObject({ outcome: "refused", retryable: false });
    expect(result.reason).toBe(
      "quorum is lost: 2 of 5 voting members answer (2 without a leader), 3 needed; " +
        "no membership change is possible; " +
        "a human must restore from a snapshot (etcdctl snapshot restore / --force-new-cluster)",
    );
    expect(result.error).toBeInstanceOf(UnsafeRecoveryError);
    expect(changes(world)).toEqual([]);
    expect(world.events.at(-1)?.event).toMatchObject({ type: "Warning", reason: "RecoveryRefused" });
    expect(world.leases.has("etcd-responder-example")).toBe(false);
  });

  it("fails, never refuses, once an earlier attempt changed the member, naming the state it is left in", async () => {
    const world = new FakeWorld();
    await world.stoppedByAnInterruptedRecovery(3);
    // Meanwhile two more members go: acting now would be unsafe.
    world.crashLoop(1);
    world.crashLoop(2);
    const resumed = await runRecovery(world.context());
    expect(resumed).toMatchObject({
      outcome: "failed",
      retryable: false,
      leftChanged:
        "Deployment example-3 is left at 0 replicas and marked as under recovery since 2024-01-02T03:04:05.000Z",
    });
    expect(resumed.reason).toMatch(joinedPattern(/step guard failed/, /.*quorum is lost.*/, /left at 0 replicas/));
    expect(resumed.error).toBeInstanceOf(UnsafeRecoveryError);
    expect(changes(world)).toEqual([]);
    expect(world.events.at(-1)?.event).toMatchObject({ type: "Warning", reason: "RecoveryFailed" });
  });

  it("takes away the mark an earlier attempt left on a member that is healthy now", async () => {
    const world = new FakeWorld();
    const deployment = world.deployments.get("example-2")!;
    deployment.metadata = {
      ...deployment.metadata,
      annotations: { [RECOVERY_UNDER_WAY_ANNOTATION]: '{"since":"2024-01-01T00:00:00.000Z","by":"old-holder"}' },
    };
    const ctx = world.context({ index: 2 });
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("skipped");
    expect(result.reason).toMatch(/already healthy/);
    expect(ctx.lines.join("\n")).toMatch(/marked as under recovery since 2024-01-01T00:00:00.000Z \(by old-holder\)/);
    expect(world.deployments.get("example-2")?.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION]).toBeUndefined();
    expect(changes(world)).toEqual(["update example-2"]);
  });

  it("refuses a member whose Deployment does not exist", async () => {
    const world = new FakeWorld();
    world.deployments.delete("example-3");
    expect(await runRecovery(world.context())).toMatchObject({
      outcome: "refused",
      reason: "no Deployment example-3 in default",
    });
    expect(changes(world)).toEqual([]);
  });

  it("refuses a crash loop that is not about lost data, quoting the log", async () => {
    const world = new FakeWorld();
    world.crashLoop(3, PERMISSION_LOG);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(result.reason).toContain(
      "last log line: etcdmain: cannot access data directory: mkdir /var/lib/etcd/default.etcd: permission denied",
    );
    expect(changes(world)).toEqual([]);
  });

  it("fails as retryable when the member is not diagnosable yet", async () => {
    const world = new FakeWorld();
    world.removeEntry(3);
    world.setPod(3, { kind: "creating" });
    const result = await runRecovery(world.context());
    expect(result).toMatchObject({ outcome: "failed", retryable: true });
    expect(result.reason).toMatch(/not diagnosable yet; retry later: Pod example-3-abc5 is ContainerCreating/);
    expect(changes(world)).toEqual([]);
  });

  it("looks again while too early to tell, and recovers once the Pod caught Running crashes again", async () => {
    const world = new FakeWorld();
    world.setPod(3, { kind: "running", ready: false }, { keepProcess: false });
    const startedAt = world.clock.now();
    void world.clock.sleep(2500).then(() => world.crashLoop(3));
    const result = await runRecovery(world.context());
    expect(result.outcome, result.reason).toBe("succeeded");
    const diagnose = result.steps.find((s) => s.name === "diagnose");
    expect(diagnose?.detail).toMatch(/has already been bootstrapped/);
    expect(diagnose!.endedAt - startedAt).toBeGreaterThanOrEqual(2500);
    expectHealthy(world);
  });

  it("recovers a Running member that is not in the member list", async () => {
    const world = new FakeWorld();
    world.removeEntry(3);
    world.setPod(3, { kind: "running", ready: false }, { keepProcess: false });
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("succeeded");
    expect(changes(world).filter((c) => /^(remove|add)/.test(c))).toEqual(["add http://example3:2380 learner"]);
    expectHealthy(world);
  });

  it("recovers a member that formed a cluster of its own, and never asks it for the member list", async () => {
    const world = new FakeWorld();
    world.processes.set(world.member(3).clientURL, { memberId: "777", clusterId: "999" });
    const ctx = world.context();
    const pinned: string[] = [];
    ctx.etcdForCluster = (clusterId) => {
      pinned.push(clusterId);
      return world.etcd();
    };
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("succeeded");
    expect(result.steps.find((s) => s.name === "diagnose")?.detail).toMatch(
      /answers for cluster 999, not for the cluster's 8000000000000000001/,
    );
    expect(ctx.lines).toContain(
      "[diagnose] http://example3.default.svc:2379 answers for cluster 3e7, not part of the cluster: ignored",
    );
    expect(pinned).toEqual([world.clusterId]);
    expect(world.closedGateways).toBe(1);
    expectHealthy(world);
  });

  it("refuses when the pinned cluster ID is not the one etcd reports", async () => {
    const world = new FakeWorld({ clusterID: "1234" });
    world.crashLoop(3);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(result.reason).toBe(
      `no etcd member answers for the configured cluster ID 1234; the members that answer report ${world.clusterId}`,
    );
  });

  it("resumes at promote when an earlier run left a started learner", async () => {
    const world = new FakeWorld();
    const entry = world.entryOf(3);
    if (entry) entry.isLearner = true;
    world.setPod(3, { kind: "running", ready: false }, { keepProcess: true });
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("succeeded");
    expect(changes(world)).toEqual(["promote 1003"]);
    expect(result.steps.filter((s) => s.outcome === "skipped").map((s) => s.name)).toEqual([
      "snapshot",
      "stop",
      "remove",
      "add",
      "start",
    ]);
    expectHealthy(world);
  });

  it("retries an add that etcd refuses as an unhealthy cluster", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const unhealthy = () => new Error("14 UNAVAILABLE: etcdserver: unhealthy cluster");
    world.failures.set("add", [unhealthy(), unhealthy(), unhealthy()]);
    const ctx = world.context();
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("succeeded");
    expect(world.calls.filter((c) => c.startsWith("add"))).toHaveLength(4);
    expect(ctx.lines.filter((l) => l.includes("unhealthy cluster"))).toHaveLength(1);
  });

  it("reuses the member an add created although its answer was lost", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const ctx = world.context();
    const add = ctx.etcd.addMember.bind(ctx.etcd);
    ctx.etcd.addMember = async (peerURL, options) => {
      await add(peerURL, options);
      throw new EtcdUnavailableError("etcd member http://example1.default.svc:2379 did not answer (member add)", "x");
    };
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("succeeded");
    expect(result.steps.find((s) => s.name === "add")?.detail).toBe(
      "example3 is already listed as learner 7d1 (the add went through); reusing it",
    );
    expectHealthy(world);
  });

  it("retries a promotion until the learner is in sync, and accepts one promoted meanwhile", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const notInSync = () =>
      new Error("9 FAILED_PRECONDITION: etcdserver: can only promote a learner member which is in sync with leader");
    world.failures.set("promote", [notInSync(), notInSync()]);
    expect((await runRecovery(world.context())).outcome).toBe("succeeded");
    expect(world.calls.filter((c) => c.startsWith("promote"))).toHaveLength(3);

    const other = new FakeWorld();
    other.crashLoop(3);
    const ctx = other.context();
    const promote = ctx.etcd.promoteMember.bind(ctx.etcd);
    ctx.etcd.promoteMember = async (id) => {
      await promote(id);
      return promote(id); // someone else promoted it first: "can only promote a learner member"
    };
    expect((await runRecovery(ctx)).outcome).toBe("succeeded");
  });

  it("adds a voting member when learners are off, if the guard allows it", async () => {
    const world = new FakeWorld({ useLearners: false });
    world.crashLoop(3);
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("succeeded");
    expect(world.calls).toContain("add http://example3:2380 voter");
    expect(result.steps.find((s) => s.name === "promote")?.outcome).toBe("skipped");
    expectHealthy(world);
  });

  it("refuses a voting add that would lose quorum", async () => {
    // 4 members; member 4 is gone from the list already, member 3 does not answer although its Pod is Ready.
    const world = new FakeWorld({ members: 4, useLearners: false });
    world.removeEntry(4);
    world.removePods(4);
    world.unreachable.add(world.member(3).clientURL);
    const result = await runRecovery(world.context({ index: 4 }));
    expect(result.outcome).toBe("refused");
    expect(result.reason).toMatch(
      joinedPattern(
        /^adding example4 as a voting member would lose quorum: /,
        /after removing 0 dead member\(s\) the cluster would have 4 voting members, 3 needed, but only 2 answer/,
      ),
    );
    expect(changes(world)).toEqual([]);
  });

  it("falls back to a voting add when etcd has no learners", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.failures.set("add", [
      new Error("12 UNIMPLEMENTED: unknown method MemberPromote for service etcdserverpb.Cluster"),
    ]);
    const ctx = world.context();
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("succeeded");
    expect(world.calls.filter((c) => c.startsWith("add"))).toEqual([
      "add http://example3:2380 learner",
      "add http://example3:2380 voter",
    ]);
    expect(ctx.lines).toContain("[add] this etcd does not support learners; adding a voting member instead");
  });

  it("fails with the crash line when the new Pod keeps crashing", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.startPod = () => ({ kind: "crash-loop", restartCount: 2 });
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("failed");
    expect(result.reason).toMatch(
      joinedPattern(
        /^step start failed for member 3 \(example3\) of cluster default\/example: /,
        /the new Pod example-3-abc6 crashed: /,
        /etcdmain: error validating peerURLs \{...\}: member count is unequal; run again to resume/,
      ),
    );
    expect(world.leases.has("etcd-responder-example")).toBe(false);
  });

  it("keeps the newest snapshots of the cluster and deletes older ones", async () => {
    const world = new FakeWorld();
    world.snapshotFiles.push(
      "example-20200101T000000.000Z.db",
      "example-20210101T000000.000Z.db",
      "example-b-20190101T000000.000Z.db",
    );
    world.crashLoop(3);
    const result = await runRecovery(world.context());
    expect(world.calls).toContain("delete /backups/example-20200101T000000.000Z.db");
    expect(world.snapshotFiles.sort()).toEqual([
      "example-20210101T000000.000Z.db",
      "example-20240102T030405.000Z.db",
      "example-b-20190101T000000.000Z.db",
    ]);
    expect(result.steps.find((s) => s.name === "snapshot")?.detail).toMatch(/removed 1 older snapshot \(keeping 2\)$/);
  });

  it("takes no snapshot when snapshots are disabled", async () => {
    const world = new FakeWorld({ snapshots: false });
    world.crashLoop(3);
    const result = await runRecovery(world.context());
    expect(result.steps.find((s) => s.name === "snapshot")).toMatchObject({
      outcome: "skipped",
      detail: "snapshots are disabled for this cluster",
    });
    expect(world.calls.some((c) => c.startsWith("snapshot"))).toBe(false);
  });
});

describe("runRecovery in plan mode", () => {
  it("diagnoses and guards only, without the Lease, and returns the plan", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.crashLoop(4);
    const result = await runRecovery(world.context({ mode: "observe" }));
    expect(result.outcome).toBe("succeeded");
    expect(world.calls).toEqual([]);
    expect(world.events).toEqual([]);
    expect(result.steps.map((s) => s.name)).toEqual(["permissions", "diagnose", "guard"]);
    expect(result.plan).toEqual([
      "take a snapshot from http://example1.default.svc:2379 into /backups (keeping the newest 2)",
      "scale Deployment example-3 to 0 and wait until its Pod is gone",
      "remove dead member 3eb (example3, http://example3:2380)",
      "remove dead member 3ec (example4, http://example4:2380)",
      "add example3 (http://example3:2380) as a learner",
      "set --initial-cluster=example1=http://example1:2380,example2=http://example2:2380,example5=http://example5:2380,example3=http://example3:2380 and --initial-cluster-state=existing on Deployment example-3",
      "scale Deployment example-3 to 1 and wait until example3 answers",
      "promote learner example3 to a voting member",
      "verify: every member votes and answers with the same leader, the Pod is Ready, " +
        "and hashKV is equal on all members",
    ]);
  });

  it("says skipped and refused like a real run", async () => {
    const healthy = new FakeWorld();
    expect((await runRecovery(healthy.context({ mode: "observe" }))).outcome).toBe("skipped");
    const lost = new FakeWorld();
    for (const index of [1, 2, 3]) lost.crashLoop(index);
    expect((await runRecovery(lost.context({ mode: "observe" }))).outcome).toBe("refused");
    expect(lost.calls).toEqual([]);
  });
});

describe("runRecovery under interruption", () => {
  it("stops at the next step boundary when aborted, releases the Lease, and a second run resumes", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    const controller = new AbortController();
    world.onCall = (call) => {
      if (call.startsWith("add")) controller.abort();
    };
    const first = await runRecovery(world.context({ signal: controller.signal }));
    expect(first).toMatchObject({ outcome: "failed", retryable: true });
    expect(first.reason).toBe(
      "interrupted; run again to resume; Deployment example-3 is left at 0 replicas and marked as under recovery " +
        "since 2024-01-02T03:04:05.000Z",
    );
    expect(first.steps.at(-1)?.name).toBe("add");
    expect(world.leases.has("etcd-responder-example")).toBe(false);

    world.onCall = undefined;
    world.calls.length = 0;
    const second = await runRecovery(world.context());
    expect(second.outcome).toBe("succeeded");
    // The unstarted learner the first run added is removed with the dead and added afresh.
    expect(changes(world).filter((c) => /^(remove|add)/.test(c))).toEqual([
      "remove 2001",
      "add http://example3:2380 learner",
    ]);
    expectHealthy(world);
  });

  it("stops when the Lease is lost, at the next step boundary", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.onCall = (call) => {
      if (call === "scale example-3 0")
        world.leases.set("etcd-responder-example", { holder: "thief", renewedAt: world.clock.now(), duration: 15 });
    };
    const ctx = world.context();
    // The next step waits long enough for a renewal to notice.
    world.setPod(4, { kind: "running", ready: false }, { notReadyForMs: 0 });
    const result = await runRecovery(ctx);
    expect(result.outcome).toBe("failed");
    expect(result.reason).toMatch(/lost the Lease default\/etcd-responder-example/);
    expect(world.calls).not.toContain("add http://example3:2380 learner");
  });

  it.each(["scale example-3 0", "remove", "add", "update example-3", "promote"])(
    "resumes after a crash at %s",
    async (operation) => {
      const world = new FakeWorld();
      world.crashLoop(3);
      world.failures.set(operation.split(" ")[0] ?? operation, []);
      let crashed = false;
      world.onCall = (call) => {
        if (!crashed && call.startsWith(operation)) {
          crashed = true;
          throw new Error(`the responder died during ${call}`);
        }
      };
      const first = await runRecovery(world.context());
      expect(first.outcome).toBe("failed");
      world.onCall = undefined;
      const second = await runRecovery(world.context());
      expect(second.outcome).toBe("succeeded");
      expectHealthy(world);
    },
  );

  it("resumes after a crash right after each change (every step checks the world first)", async () => {
    for (const operation of ["scale example-3 0", "remove", "add", "update example-3", "promote"]) {
      const world = new FakeWorld();
      world.crashLoop(3);
      const ctx = world.context();
      let crashed = false;
      const afterwards = (call: string) => {
        if (!crashed && call.startsWith(operation)) {
          crashed = true;
          return true;
        }
        return false;
      };
      const etcd = ctx.etcd;
      const kube = ctx.kubernetes;
      ctx.etcd = {
        ...etcd,
        removeMember: async (id) => {
          await etcd.removeMember(id);
          if (afterwards("remove")) throw new Error("died after remove");
        },
        addMember: async (peer, options) => {
          const added = await etcd.addMember(peer, options);
          if (afterwards("add")) throw new Error("died after add");
          return added;
        },
        promoteMember: async (id) => {
          await etcd.promoteMember(id);
          if (afterwards("promote")) throw new Error("died after promote");
        },
      };
      ctx.kubernetes = {
        ...kube,
        scaleDeployment: async (ns, name, replicas) => {
          await kube.scaleDeployment(ns, name, replicas);
          if (afterwards(`scale ${name} ${replicas}`)) throw new Error("died after scale");
        },
        updateDeployment: async (ns, name, change) => {
          const updated = await kube.updateDeployment(ns, name, change);
          if (afterwards(`update ${name}`)) throw new Error("died after update");
          return updated;
        },
      };
      const first = await runRecovery(ctx);
      expect(crashed, operation).toBe(true);
      // A lost answer to an add is noticed within the run itself (the entry is found and reused).
      expect(first.outcome, operation).toBe(operation === "add" ? "succeeded" : "failed");
      // After the promotion the member is Ready and votes: a second run finds it healthy.
      const second = await runRecovery(world.context());
      expect(second.outcome, `${operation}: ${second.reason}`).toBe(
        operation === "add" || operation === "promote" ? "skipped" : "succeeded",
      );
      expectHealthy(world);
    }
  });

  it("changes nothing when run again after a success", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    await runRecovery(world.context());
    world.calls.length = 0;
    expect((await runRecovery(world.context())).outcome).toBe("skipped");
    expect(changes(world)).toEqual([]);
  });
});

describe("runRecovery's own log", () => {
  it("quotes the bootstrapped log line used in these tests", () => {
    expect(BOOTSTRAPPED_LOG).toContain("has already been bootstrapped");
  });
});
