import { describe, expect, it } from "vitest";
import { checkQuorum, type GuardInput, type GuardMember, quorumOf } from "../../../src/recovery/decisions/quorum.js";

/** `healthy` healthy voters, then `down` voters that do not answer, then `learners` healthy learners. */
function members(healthy: number, down: number, learners = 0): GuardMember[] {
  const list: GuardMember[] = [];
  for (let i = 0; i < healthy; i++) list.push({ id: `h${i}`, isLearner: false, healthy: true });
  for (let i = 0; i < down; i++) list.push({ id: `d${i}`, isLearner: false, healthy: false });
  for (let i = 0; i < learners; i++) list.push({ id: `l${i}`, isLearner: true, healthy: true });
  return list;
}

function input(overrides: Partial<GuardInput>): GuardInput {
  return {
    asked: 5,
    answered: 4,
    members: members(4, 1),
    removals: ["d0"],
    votingAdd: false,
    memberName: "example3",
    ...overrides,
  };
}

describe("quorumOf", () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ])("%i voters need %i", (voters, quorum) => expect(quorumOf(voters)).toBe(quorum));
});

describe("checkQuorum", () => {
  it("allows 3 of 5 voters answering (the tolerance is used up)", () => {
    expect(checkQuorum(input({ answered: 3, members: members(3, 2), removals: ["d0", "d1"] }))).toEqual({
      safe: true,
      voters: 5,
      healthy: 3,
      quorum: 3,
      summary: "3 of 5 voting members answer with a leader, 3 needed (tolerates 0 more failures)",
    });
  });

  it("refuses 2 of 5: quorum is lost and a human must restore", () => {
    expect(checkQuorum(input({ answered: 2, members: members(2, 3), removals: ["d0", "d1", "d2"] }))).toEqual({
      safe: false,
      reason: "quorum-lost",
      message:
        "quorum is lost: 2 of 5 voting members answer, 3 needed; no membership change is possible; " +
        "a human must restore from a snapshot (etcdctl snapshot restore / --force-new-cluster)",
    });
  });

  it("does not count learners as voters", () => {
    const verdict = checkQuorum(input({ members: members(2, 1, 2) }));
    expect(verdict).toMatchObject({ safe: true, voters: 3, healthy: 2, quorum: 2 });
  });

  it.each([
    // voters, healthy, removed voters, allowed?
    [5, 3, 2, true], // 4 voters after, quorum 3
    [3, 2, 1, true], // 3 after, quorum 2
    [3, 2, 0, false], // 4 after, quorum 3 > 2
    [4, 3, 1, true], // 4 after, quorum 3
    [5, 4, 0, true], // 6 after, quorum 4
    [5, 3, 0, false], // 6 after, quorum 4 > 3
  ])("a voting add to %i voters with %i answering and %i removed: allowed %s", (voters, healthy, removed, allowed) => {
    const list = members(healthy, voters - healthy);
    const removals = list
      .filter((m) => !m.healthy)
      .slice(0, removed)
      .map((m) => m.id);
    const verdict = checkQuorum(input({ answered: healthy, members: list, removals, votingAdd: true }));
    expect(verdict.safe).toBe(allowed);
    if (!verdict.safe) {
      expect(verdict.reason).toBe("voting-add-would-lose-quorum");
      expect(verdict.message).toMatch(/^adding example3 as a voting member would lose quorum/);
    }
  });

  it("does not apply the voting-add check to a learner add", () => {
    expect(checkQuorum(input({ answered: 2, members: members(2, 1), removals: [], votingAdd: false })).safe).toBe(true);
  });

  it("refuses when no member answers at all, naming both possible causes", () => {
    const verdict = checkQuorum(input({ answered: 0, members: undefined }));
    expect(verdict).toMatchObject({ safe: false, reason: "etcd-unreachable" });
    if (!verdict.safe)
      expect(verdict.message).toMatch(
        /^no etcd member answers \(asked 5\): either the responder cannot reach etcd or quorum is lost/,
      );
  });

  it("refuses when members answer but none returns the member list", () => {
    expect(checkQuorum(input({ answered: 2, members: undefined }))).toMatchObject({
      safe: false,
      reason: "quorum-lost",
    });
  });

  it("refuses a cluster ID problem first", () => {
    expect(checkQuorum(input({ clusterProblem: { reason: "cluster-id-mismatch", message: "wrong cluster" } }))).toEqual(
      {
        safe: false,
        reason: "cluster-id-mismatch",
        message: "wrong cluster",
      },
    );
  });
});

describe("checkQuorum when the survivors know no leader", () => {
  it("says how many answer and that they have no leader", () => {
    const list: GuardMember[] = [
      { id: "a", isLearner: false, healthy: false, answers: true },
      { id: "b", isLearner: false, healthy: false, answers: true },
      { id: "c", isLearner: false, healthy: false, answers: false },
    ];
    const verdict = checkQuorum({
      asked: 3,
      answered: 2,
      members: list,
      removals: [],
      votingAdd: false,
      memberName: "example3",
    });
    expect(verdict.safe).toBe(false);
    if (!verdict.safe)
      expect(verdict.message).toMatch(
        /^quorum is lost: 2 of 3 voting members answer \(2 without a leader\), 2 needed;/,
      );
  });
});
