import { describe, expect, it } from "vitest";
import { decideDeadMembers, type DeadMemberCandidate } from "../../../src/recovery/decisions/dead-members.js";

const NOW = 1_000_000;
const DEAD_AFTER = 5_000;

function candidate(overrides: Partial<DeadMemberCandidate>): DeadMemberCandidate {
  return {
    id: "1",
    answers: false,
    own: false,
    configured: true,
    pod: { kind: "gone" },
    firstFailedAt: NOW,
    ...overrides,
  };
}

const decide = (c: DeadMemberCandidate) => {
  const [decision] = decideDeadMembers([c], { now: NOW, deadAfterMs: DEAD_AFTER });
  if (!decision) throw new Error("no decision");
  return decision;
};

describe("decideDeadMembers", () => {
  it("never removes a member that answers, even with its Pod gone", () => {
    expect(decide(candidate({ answers: true }))).toMatchObject({ verdict: "alive", reason: "it answers" });
  });

  it("never removes a member whose Pod is Ready, even when it has not answered for long", () => {
    expect(decide(candidate({ pod: { kind: "ready", pod: "p" }, firstFailedAt: NOW - 60_000 }))).toMatchObject({
      verdict: "alive",
      reason: "its Pod p is Ready",
    });
  });

  it("never removes a member it cannot check (not configured)", () => {
    expect(decide(candidate({ configured: false, firstFailedAt: NOW - 60_000 })).verdict).toBe("alive");
  });

  it("removes the member being recovered once its Pod is gone, at once", () => {
    expect(decide(candidate({ own: true, firstFailedAt: NOW }))).toMatchObject({ verdict: "dead" });
    expect(decide(candidate({ own: true, pod: { kind: "not-ready", pod: "p", since: 0 } })).verdict).toBe("alive");
  });

  it("removes a StatefulSet member being recovered while its Pod is not Ready, never while it is Ready", () => {
    const crashLooping = { kind: "not-ready" as const, pod: "example-2", since: NOW };
    expect(decide(candidate({ own: true, podReplacedLater: true, pod: crashLooping }))).toEqual({
      id: "1",
      verdict: "dead",
      reason: "it is the member being recovered; its Pod example-2 is not Ready and is replaced in Start",
    });
    const ready = { kind: "ready" as const, pod: "example-2" };
    expect(decide(candidate({ own: true, podReplacedLater: true, pod: ready })).verdict).toBe("alive");
  });

  it("takes a Pod not Ready for deadAfter as the measure: dead at once", () => {
    expect(decide(candidate({ pod: { kind: "not-ready", pod: "p", since: NOW - 6_000 } }))).toMatchObject({
      verdict: "dead",
      reason: "it does not answer and its Pod p has not been Ready for 6.0 s",
    });
  });

  it("waits for deadAfter since the first failed status when the Pod went down only recently", () => {
    const recent = candidate({ pod: { kind: "not-ready", pod: "p", since: NOW - 1_000 }, firstFailedAt: NOW - 2_000 });
    expect(decide(recent)).toMatchObject({ verdict: "undecided", decideAt: NOW + 3_000 });
    expect(decideDeadMembers([recent], { now: NOW + 3_000, deadAfterMs: DEAD_AFTER })[0]).toMatchObject({
      verdict: "dead",
      reason: "it has not answered for 5.0 s and its Pod p is not Ready",
    });
  });

  it("waits for deadAfter when the Pod is gone (its age is unknown)", () => {
    expect(decide(candidate({ firstFailedAt: NOW }))).toMatchObject({
      verdict: "undecided",
      decideAt: NOW + DEAD_AFTER,
    });
    expect(decide(candidate({ firstFailedAt: undefined }))).toMatchObject({
      verdict: "undecided",
      decideAt: NOW + DEAD_AFTER,
    });
    expect(decide(candidate({ firstFailedAt: NOW - DEAD_AFTER }))).toMatchObject({
      verdict: "dead",
      reason: "it has not answered for 5.0 s and its Pod is gone",
    });
  });

  it("decides every candidate on its own", () => {
    const decisions = decideDeadMembers(
      [
        candidate({ id: "a", answers: true }),
        candidate({ id: "b", own: true }),
        candidate({ id: "c", pod: { kind: "ready", pod: "c" } }),
      ],
      { now: NOW, deadAfterMs: DEAD_AFTER },
    );
    expect(decisions.map((d) => [d.id, d.verdict])).toEqual([
      ["a", "alive"],
      ["b", "dead"],
      ["c", "alive"],
    ]);
  });
});
