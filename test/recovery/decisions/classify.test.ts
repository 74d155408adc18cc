import { describe, expect, it } from "vitest";
import {
  classifyMember,
  type DiagnosisFacts,
  findDataLossSign,
  readableLogLine,
  meaningfulLogLine,
} from "../../../src/recovery/decisions/classify.js";
import type { PodFacts } from "../../../src/recovery/pods.js";

const CLUSTER = "8000000000000000001";

const readyPod: PodFacts = {
  name: "example-3-abc",
  phase: "Running",
  ready: true,
  deleting: false,
  state: "running",
  restartCount: 0,
  crashLooping: false,
};
const crashingPod: PodFacts = {
  name: "example-3-abc",
  phase: "Running",
  ready: false,
  deleting: false,
  state: "waiting",
  stateReason: "CrashLoopBackOff",
  exitCode: 1,
  restartCount: 4,
  crashLooping: true,
};

function facts(overrides: Partial<DiagnosisFacts>): DiagnosisFacts {
  return {
    runner: "Deployment example-3",
    kind: "Deployment",
    namespace: "default",
    memberName: "example3",
    peerURL: "http://example3:2380",
    workloadExists: true,
    replicas: 1,
    log: "",
    listKnown: true,
    clusterId: CLUSTER,
    pod: readyPod,
    listEntry: { id: "1003", isLearner: false },
    memberStatus: { clusterId: CLUSTER, memberId: "1003", leader: "1001", isLearner: false },
    ...overrides,
  };
}

const noAnswer = { memberStatus: undefined };

describe("classifyMember", () => {
  it.each([
    ["a Ready voting member that answers", facts({}), "healthy", /^already healthy/],
    [
      "a learner that answers",
      facts({ listEntry: { id: "1003", isLearner: true }, pod: { ...readyPod, ready: false } }),
      "resume-promote",
      /learner that answers/,
    ],
    [
      "a voter that answers but is not Ready",
      facts({ pod: { ...readyPod, ready: false } }),
      "resume-verify",
      /not Ready yet/,
    ],
    [
      "a crash loop with `already bootstrapped`",
      facts({
        ...noAnswer,
        pod: crashingPod,
        log: "x\n2024-01-01 C | etcdmain: member 8e9f has already been bootstrapped\n",
      }),
      "recover",
      /^Pod example-3-abc is in CrashLoopBackOff: etcdmain: member 8e9f has already been bootstrapped$/,
    ],
    [
      "a crash loop with a lost raft log",
      facts({
        ...noAnswer,
        pod: crashingPod,
        log:
          "P | raft: tocommit(9) is out of range [lastIndex(0)]. Was the raft log corrupted, truncated, or lost?\n" +
          "panic: x\ngoroutine 1",
      }),
      "recover",
      /tocommit\(9\) is out of range/,
    ],
    [
      "a crash loop after being removed",
      facts({
        ...noAnswer,
        listEntry: undefined,
        pod: crashingPod,
        log: "E | etcdserver: the member has been permanently removed from the cluster",
      }),
      "recover",
      /permanently removed/,
    ],
    ["no Pod", facts({ ...noAnswer, pod: undefined }), "recover", /^no Pod of Deployment example-3 exists$/],
    [
      "a Deployment scaled to 0",
      facts({ ...noAnswer, pod: undefined, replicas: 0 }),
      "recover",
      /^Deployment example-3 is scaled to 0$/,
    ],
    [
      "a Running Pod whose peer URL is not listed",
      facts({ ...noAnswer, listEntry: undefined, pod: { ...readyPod, ready: false } }),
      "recover",
      /is Running but its peer URL http:\/\/example3:2380 is not in the member list/,
    ],
    [
      "a Pod that answers for another cluster",
      facts({ memberStatus: { clusterId: "99", memberId: "77", leader: "77", isLearner: false } }),
      "recover",
      /answers for cluster 99, not for the cluster's 8000000000000000001/,
    ],
    [
      "a crash loop while nobody returns the member list",
      facts({ ...noAnswer, pod: { ...readyPod, ready: false }, listKnown: false, listEntry: undefined }),
      "recover",
      /cannot tell/,
    ],
  ])("%s → %s", (_name, input, verdict, reason) => {
    const diagnosis = classifyMember(input);
    expect(diagnosis.verdict).toBe(verdict);
    expect(diagnosis.reason).toMatch(reason);
  });

  it("recovers a StatefulSet member whose Pod crash-loops on a sign of lost data, naming its Pod", () => {
    const diagnosis = classifyMember(
      facts({
        kind: "StatefulSet",
        runner: "Pod example-2 of StatefulSet example",
        pod: { ...crashingPod, name: "example-2" },
        ...noAnswer,
        log: "etcdmain: member 8e9f has already been bootstrapped",
      }),
    );
    expect(diagnosis).toEqual({
      verdict: "recover",
      reason: "Pod example-2 is in CrashLoopBackOff: etcdmain: member 8e9f has already been bootstrapped",
    });
  });

  it("waits for a StatefulSet member whose Pod the controller has not made yet, and refuses one scaled away", () => {
    const sts = { kind: "StatefulSet" as const, runner: "Pod example-2 of StatefulSet example", pod: undefined };
    expect(classifyMember(facts(sts)).verdict).toBe("retry-later");
    expect(classifyMember(facts({ ...sts, replicas: 0 }))).toMatchObject({
      verdict: "refuse",
      refusal: "ordinal-not-run",
    });
    expect(classifyMember(facts({ ...sts, workloadExists: false }))).toEqual({
      verdict: "refuse",
      refusal: "no-statefulset",
      reason: "no StatefulSet example in default",
    });
  });

  it("counts a start without data only for a member that has started before", () => {
    const log = '{"level":"info","msg":"starting an etcd server","member-initialized":false}';
    const crashing = facts({ pod: crashingPod, log, ...noAnswer });
    expect(classifyMember(crashing)).toMatchObject({ verdict: "refuse", refusal: "crash-not-data-loss" });
    const known = facts({ ...crashing, listEntry: { id: "42", isLearner: false, name: "example3" } });
    expect(classifyMember(known).verdict).toBe("recover");
  });

  it("refuses when neither a Deployment nor a StatefulSet exists", () => {
    expect(classifyMember(facts({ workloadExists: false, pod: undefined }))).toEqual({
      verdict: "refuse",
      refusal: "no-deployment",
      reason: "no Deployment example-3 in default",
    });
  });

  it("refuses a crash loop without a data-loss sign, quoting the last meaningful line", () => {
    const log = [
      "2024-01-01 I | etcdmain: etcd Version: 3.4.23",
      "2024-01-01 C | etcdmain: cannot access data directory: permission denied",
      "2024-01-01 I | some trailing line",
    ].join("\n");
    const diagnosis = classifyMember(facts({ ...noAnswer, pod: crashingPod, log }));
    expect(diagnosis).toMatchObject({ verdict: "refuse", refusal: "crash-not-data-loss" });
    expect(diagnosis.reason).toContain("last log line: etcdmain: cannot access data directory: permission denied");
  });

  describe("a Deployment member on a PersistentVolumeClaim", () => {
    const onClaim = { ...noAnswer, persistentVolumeClaim: "data-example-3" };

    it.each([
      ["already bootstrapped", "2024-01-01 C | etcdmain: member 8e9f has already been bootstrapped"],
      ["raft log lost", "panic: tocommit(9) is out of range [lastIndex(0)]. Was the raft log corrupted?"],
      ["removed", "2024-01-01 E | rafthttp: the member has been permanently removed from the cluster"],
    ])("is recovered on a data-loss sign (%s), quoting it", (_sign, line) => {
      const diagnosis = classifyMember(facts({ ...onClaim, pod: crashingPod, log: `x\n${line}\n` }));
      expect(diagnosis.verdict).toBe("recover");
      expect(diagnosis.reason).toContain(line.replace(/^2024-01-01 [CE] \| /, ""));
    });

    it("is refused, quoting the log line, when its crash shows no sign of lost data", () => {
      const log = "2024-01-01 C | etcdmain: open /var/lib/etcd/default.etcd/member/wal: no space left on device\n";
      const diagnosis = classifyMember(facts({ ...onClaim, pod: crashingPod, log }));
      expect(diagnosis).toMatchObject({ verdict: "refuse", refusal: "crash-not-data-loss" });
      expect(diagnosis.reason).toContain("no space left on device");
    });

    it("is refused when scaled to 0 by someone else: its data is still on the claim", () => {
      const diagnosis = classifyMember(facts({ ...onClaim, pod: undefined, replicas: 0 }));
      expect(diagnosis).toMatchObject({ verdict: "refuse", refusal: "scaled-to-zero-on-claim" });
      expect(diagnosis.reason).toContain("PersistentVolumeClaim data-example-3");
    });

    it("is refused when it answers for another cluster, and waited for when it runs outside the member list", () => {
      const foreign = { clusterId: "9", memberId: "77", leader: "77", isLearner: false };
      const other = classifyMember(facts({ ...onClaim, memberStatus: foreign, listEntry: undefined }));
      expect(other).toMatchObject({ verdict: "refuse", refusal: "foreign-data-on-claim" });
      const unlisted = classifyMember(facts({ ...onClaim, pod: { ...readyPod, ready: false }, listEntry: undefined }));
      expect(unlisted.verdict).toBe("retry-later");
      expect(unlisted.reason).toMatch(/is Running but its peer URL .* is not in the member list/);
    });

    it("is waited for when it has no Pod yet, and resumed when an earlier attempt stopped it", () => {
      expect(classifyMember(facts({ ...onClaim, pod: undefined })).verdict).toBe("retry-later");
      const stopped = facts({ ...onClaim, pod: undefined, replicas: 0, earlierAttempt: true });
      expect(classifyMember(stopped)).toMatchObject({
        verdict: "recover",
        reason: "Deployment example-3 is scaled to 0",
      });
      expect(classifyMember(facts({ ...onClaim, pod: undefined, earlierAttempt: true })).verdict).toBe("recover");
    });
  });

  it("does not refuse a healthy member for its PersistentVolumeClaim", () => {
    expect(classifyMember(facts({ persistentVolumeClaim: "data" })).verdict).toBe("healthy");
  });

  it.each([
    [
      "ContainerCreating and not listed",
      { ...readyPod, ready: false, phase: "Pending", state: "waiting" as const, stateReason: "ContainerCreating" },
      undefined,
    ],
    ["Running, listed, but not answering", { ...readyPod, ready: false }, { id: "1003", isLearner: false }],
    ["Terminating", { ...readyPod, ready: false, deleting: true }, undefined],
  ])("is not diagnosable yet when the Pod is %s", (_name, pod, listEntry) => {
    const diagnosis = classifyMember(facts({ ...noAnswer, pod, listEntry }));
    expect(diagnosis.verdict).toBe("retry-later");
    expect(diagnosis.reason).toMatch(/^not diagnosable yet; retry later/);
  });

  it("does not call a member healthy when its status answers with another member's ID", () => {
    const diagnosis = classifyMember(
      facts({
        memberStatus: { clusterId: CLUSTER, memberId: "5555", leader: "1001", isLearner: false },
        pod: { ...readyPod, ready: false },
      }),
    );
    expect(diagnosis.verdict).toBe("retry-later");
  });
});

describe("findDataLossSign", () => {
  it.each([
    ["2024-01-01 10:00:00.000000 C | etcdmain: member 8e9f33d4 has already been bootstrapped", "already bootstrapped"],
    [
      "2024-01-01 10:00:00.000000 P | raft: tocommit(12) is out of range [lastIndex(0)]. " +
        "Was the raft log corrupted, truncated, or lost?",
      "raft log lost",
    ],
    ["panic: tocommit(12) is out of range [lastIndex(0)]", "raft log lost"],
    [
      "2024-01-01 10:00:00.000000 E | rafthttp: the member has been permanently removed from the cluster",
      "removed from the cluster",
    ],
    [
      '{"level":"fatal","msg":"discovery failed","error":"member 8e9f has already been bootstrapped"}',
      "already bootstrapped",
    ],
    [
      "2024-01-01 C | etcdmain: error validating peerURLs {ClusterID:1 Members:[...]}: member count is unequal",
      "not in the member list",
    ],
    [
      '2024-01-01 C | etcdmain: error validating peerURLs {ClusterID:1 Members:[...]}: failed to resolve ... (resolved urls: "http://10.0.0.4:2380" != "http://10.0.0.2:2380")',
      "not in the member list",
    ],
  ])("finds %s", (line, sign) => {
    expect(findDataLossSign(`first\n${line}\nlast`)?.sign).toBe(sign);
  });

  it.each([
    [
      "the bitnami image's lost member ID",
      "etcd 10:15:32.81 WARN  ==> Member ID wasn't properly stored",
      { sign: "member ID lost", dataDir: "unknown" },
    ],
    [
      "a stream rejected from a removed member",
      "2024-01-01 10:00:00.000000 E | rafthttp: rejected stream from remote peer 8e9f33d4 since it was removed",
      { sign: "removed from the cluster", dataDir: "stale" },
    ],
  ])("finds %s, quoting the line, and a StatefulSet member crash-looping on it is recovered", (_name, line, found) => {
    const quoted = line.replace(/^.* E \| /, "");
    expect(findDataLossSign(`first\n${line}\nlast`)).toEqual({ ...found, line: quoted });
    const diagnosis = classifyMember(
      facts({
        kind: "StatefulSet",
        runner: "Pod example-2 of StatefulSet example",
        pod: { ...crashingPod, name: "example-2" },
        ...noAnswer,
        log: `2024-01-01 I | etcdmain: etcd Version: 3.4.23\n${line}\n`,
      }),
    );
    expect(diagnosis).toEqual({ verdict: "recover", reason: `Pod example-2 is in CrashLoopBackOff: ${quoted}` });
  });

  it("finds nothing in a log without a sign", () => {
    expect(
      findDataLossSign("I | ready to serve client requests\nC | etcdmain: listen tcp: address already in use"),
    ).toBeUndefined();
  });

  it("quotes the most recent sign, readable", () => {
    const log = [
      "C | etcdmain: member a has already been bootstrapped",
      "I | restart",
      "C | etcdmain: member b has already been bootstrapped",
    ].join("\n");
    expect(findDataLossSign(log)?.line).toBe("etcdmain: member b has already been bootstrapped");
  });
});

describe("meaningfulLogLine", () => {
  it("takes the last critical line", () => {
    expect(meaningfulLogLine("C | a: first\nI | b: info\nC | c: second\nI | d: after")).toBe("c: second");
  });

  it("takes the panic line of a Go panic rather than the stack trace", () => {
    expect(
      meaningfulLogLine(
        "I | start\npanic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\nmain.main()",
      ),
    ).toBe("panic: runtime error: invalid memory address");
  });

  it("falls back to a line mentioning an error, then to the last line", () => {
    expect(meaningfulLogLine("starting\nError: flag provided but not defined: -bogus\nusage: etcd")).toBe(
      "Error: flag provided but not defined: -bogus",
    );
    expect(meaningfulLogLine("starting\nstopped\n")).toBe("stopped");
    expect(meaningfulLogLine("  \n")).toBeUndefined();
  });

  it("takes etcd's flag error over the usage text printed after it (as etcd 3.4 prints it)", () => {
    const log = [
      "flag provided but not defined: -no-such-flag",
      "Usage:",
      "",
      "  etcd [flags]",
      "    Start an etcd server.",
      "  etcd grpc-proxy",
      "    Run the stateless etcd v3 gRPC L7 reverse proxy.",
    ].join("\n");
    expect(meaningfulLogLine(log)).toBe("flag provided but not defined: -no-such-flag");
  });

  it("reads zap JSON lines", () => {
    expect(
      meaningfulLogLine('{"level":"info","msg":"ok"}\n{"level":"fatal","msg":"failed to start","error":"bad flag"}'),
    ).toBe("failed to start: bad flag");
  });
});

describe("readableLogLine", () => {
  it("keeps both ends of a long line, where etcd puts the cause", () => {
    const line = readableLogLine(
      `C | etcdmain: error validating peerURLs {${"x".repeat(500)}}: member count is unequal`,
    );
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line.startsWith("etcdmain: error validating peerURLs")).toBe(true);
    expect(line.endsWith("member count is unequal")).toBe(true);
  });
});
