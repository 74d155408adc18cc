import {
  GRPCFailedPreconditionError,
  GRPCNotFoundError,
  GRPCNotImplementedError,
  GRPCUnavailableError,
  GRPCDeadlineExceededError,
} from "etcd3";
import { describe, expect, it } from "vitest";
import {
  isLearnerNotInSync,
  isLearnerUnsupported,
  isMemberNotFound,
  isMemberNotLearner,
  isNotEnoughStartedMembers,
  isPeerURLExists,
  isTooManyLearners,
  isUnhealthyCluster,
  isUnreachable,
  toGatewayError,
  withinDeadline,
} from "../../../src/gateways/etcd/errors.js";
import { EtcdUnavailableError } from "../../../src/core/errors.js";

/** The errors etcd3 hands over for etcd 3.4's membership refusals, message text as received. */
const REFUSALS = {
  learnerNotInSync: new GRPCFailedPreconditionError(
    "9 FAILED_PRECONDITION: etcdserver: can only promote a learner member which is in sync with leader",
  ),
  memberNotLearner: new GRPCFailedPreconditionError(
    "9 FAILED_PRECONDITION: etcdserver: can only promote a learner member",
  ),
  tooManyLearners: new GRPCFailedPreconditionError(
    "9 FAILED_PRECONDITION: etcdserver: too many learner members in cluster",
  ),
  unhealthy: new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: unhealthy cluster"),
  peerURLExists: new GRPCFailedPreconditionError("9 FAILED_PRECONDITION: etcdserver: Peer URLs already exists"),
  memberIDExists: new GRPCFailedPreconditionError("9 FAILED_PRECONDITION: etcdserver: member ID already exist"),
  memberNotFound: new GRPCNotFoundError("5 NOT_FOUND: etcdserver: member not found"),
  notEnoughStarted: new GRPCFailedPreconditionError(
    "9 FAILED_PRECONDITION: etcdserver: re-configuration failed due to not enough started members",
  ),
  promoteUnimplemented: new GRPCNotImplementedError(
    "12 UNIMPLEMENTED: unknown method MemberPromote for service etcdserverpb.Cluster",
  ),
  unreachable: new GRPCUnavailableError(
    "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379",
  ),
};

type Refusal = keyof typeof REFUSALS;

const CLASSIFIERS: [string, (error: unknown) => boolean, Refusal[]][] = [
  ["isLearnerNotInSync", isLearnerNotInSync, ["learnerNotInSync"]],
  ["isMemberNotLearner", isMemberNotLearner, ["memberNotLearner"]],
  ["isTooManyLearners", isTooManyLearners, ["tooManyLearners"]],
  ["isUnhealthyCluster", isUnhealthyCluster, ["unhealthy"]],
  ["isPeerURLExists", isPeerURLExists, ["peerURLExists", "memberIDExists"]],
  ["isMemberNotFound", isMemberNotFound, ["memberNotFound"]],
  ["isNotEnoughStartedMembers", isNotEnoughStartedMembers, ["notEnoughStarted"]],
  ["isLearnerUnsupported", isLearnerUnsupported, ["promoteUnimplemented"]],
];

describe.each(CLASSIFIERS)("%s", (_name, classify, matching) => {
  it.each(Object.keys(REFUSALS) as Refusal[])("on %s", (refusal) => {
    expect(classify(REFUSALS[refusal])).toBe(matching.includes(refusal));
  });

  it("looks through a wrapping error's cause and accepts bare message text", () => {
    const first = REFUSALS[matching[0]!];
    expect(classify(new Error("recovery step failed", { cause: first }))).toBe(true);
    expect(classify(first.message)).toBe(true);
  });

  it("is false for values that are not errors", () => {
    expect(classify(undefined)).toBe(false);
    expect(classify(null)).toBe(false);
    expect(classify(42)).toBe(false);
  });
});

const URL = "http://127.0.0.1:2379";
const refused = new GRPCUnavailableError(
  "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379",
);

describe("isUnreachable", () => {
  it("is true when the member did not answer", () => {
    expect(isUnreachable(refused)).toBe(true);
    expect(isUnreachable(new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded after 1.001s"))).toBe(
      true,
    );
    expect(isUnreachable(new Error("14 UNAVAILABLE: Connection dropped"))).toBe(true);
  });

  it("is false for answers from etcd, even those sent with the UNAVAILABLE code", () => {
    expect(isUnreachable(new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: unhealthy cluster"))).toBe(false);
    expect(
      isUnreachable(
        new GRPCFailedPreconditionError("9 FAILED_PRECONDITION: etcdserver: too many learner members in cluster"),
      ),
    ).toBe(false);
    expect(isUnreachable("14 UNAVAILABLE")).toBe(false);
  });
});

describe("toGatewayError", () => {
  it("wraps an unreachable member into a retryable EtcdUnavailableError naming the URL", () => {
    const error = toGatewayError(refused, URL, "status");
    expect(error).toBeInstanceOf(EtcdUnavailableError);
    expect((error as EtcdUnavailableError).retryable).toBe(true);
    expect((error as EtcdUnavailableError).clientURLs).toEqual([URL]);
    expect((error as Error).message).toContain(`etcd member ${URL} did not answer (status): 14 UNAVAILABLE`);
    expect((error as Error).cause).toBe(refused);
  });

  it("passes etcd's answers through untouched", () => {
    const answer = new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: unhealthy cluster");
    expect(toGatewayError(answer, URL, "member add")).toBe(answer);
  });
});

describe("withinDeadline", () => {
  it("settles with the work when it is in time", async () => {
    await expect(withinDeadline(Promise.resolve(7), 1000, URL, "status")).resolves.toBe(7);
    await expect(withinDeadline(Promise.reject(new Error("boom")), 1000, URL, "status")).rejects.toThrow("boom");
  });

  it("rejects with EtcdUnavailableError when the work is late", async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withinDeadline(never, 20, URL, "status")).rejects.toThrow(
      `etcd member ${URL} did not answer (status) within 20 ms`,
    );
  });
});
