import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  newRecoveryJobId,
  parseRecoveryJobId,
  type RecoveryJobData,
  recoveryJobOptions,
  toRecoveryRecord,
  type RecoveryJob,
  ALL_BULLMQ_STATES,
  BULLMQ_STATES,
  recoveryStateOf,
} from "../../src/queue/jobs.js";
import { parseConfig } from "../../src/core/config/load.js";
import { RECOVERY_STATES } from "../../src/queue/recovery-queue.js";
import { step } from "../support/queue.js";

describe("recovery job ids", () => {
  it("are readable and carry cluster, member and time", () => {
    const at = Date.parse("2030-05-06T07:08:09.010Z");
    const id = newRecoveryJobId("orders", 3, at);
    expect(id).toMatch(/^orders-3-[0-9a-z]+-[0-9a-f]{6}$/);
    expect(parseRecoveryJobId(id)).toEqual({ cluster: "orders", member: 3, createdAt: at });
  });

  it("differ within one millisecond", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newRecoveryJobId("a", 1, 0)));
    expect(ids.size).toBe(200);
  });

  it("parse back whatever the cluster name, including dashes and trailing digits", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        label,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (cluster, member, at) => {
          expect(parseRecoveryJobId(newRecoveryJobId(cluster, member, at))).toEqual({ cluster, member, createdAt: at });
        },
      ),
    );
  });

  it("reject anything else", () => {
    for (const id of ["", "42", "a-1", "a-0-abc-123456", "a-1-abc-12345", "a-1-ABC-123456", "a-1-abc-12345g"]) {
      expect(parseRecoveryJobId(id), id).toBeUndefined();
    }
  });
});

const data: RecoveryJobData = { cluster: "a", namespace: "etcd", member: 2, trigger: { kind: "manual" }, mode: "act" };
const T = Date.parse("2030-01-01T00:00:00Z");

/** The fields of a BullMQ job the mapping reads. */
function job(fields: Partial<RecoveryJob>): RecoveryJob {
  return {
    id: "a-2-x-abcdef",
    data,
    timestamp: T,
    attemptsMade: 0,
    attemptsStarted: 0,
    progress: 0,
    returnvalue: null,
    failedReason: "",
    ...fields,
  } as RecoveryJob;
}

describe("recovery states", () => {
  it("maps BullMQ states to recovery states", () => {
    expect(
      ["waiting", "delayed", "prioritized", "waiting-children"].map((s) => recoveryStateOf(s as never, undefined)),
    ).toEqual(["queued", "queued", "queued", "queued"]);
    expect(recoveryStateOf("active", undefined)).toBe("running");
    expect(recoveryStateOf("failed", undefined)).toBe("failed");
    expect(recoveryStateOf("completed", { outcome: "refused", reason: "", steps: [] })).toBe("refused");
    expect(recoveryStateOf("completed", { outcome: "skipped", reason: "", steps: [] })).toBe("skipped");
    expect(recoveryStateOf("unknown", undefined)).toBeUndefined();
  });

  it("knows where to look for every recovery state", () => {
    for (const state of RECOVERY_STATES) expect(BULLMQ_STATES[state].length, state).toBeGreaterThan(0);
    expect([...ALL_BULLMQ_STATES].sort()).toEqual([
      "active",
      "completed",
      "delayed",
      "failed",
      "prioritized",
      "waiting",
      "waiting-children",
    ]);
  });
});

describe("toRecoveryRecord", () => {
  it("shows a queued recovery with the expected mode and no times but its creation", () => {
    expect(toRecoveryRecord(job({ data: { ...data, mode: "observe" } }), "queued")).toEqual({
      id: "a-2-x-abcdef",
      cluster: "a",
      namespace: "etcd",
      member: 2,
      state: "queued",
      mode: "observe",
      trigger: { kind: "manual" },
      createdAt: "2030-01-01T00:00:00.000Z",
      attempts: 0,
      steps: [],
    });
  });

  it("shows a running recovery's steps from its progress and counts the attempt under way", () => {
    const record = toRecoveryRecord(
      job({ processedOn: T + 1000, attemptsStarted: 1, progress: { steps: [step("lock")] } }),
      "running",
    );
    expect(record).toMatchObject({ state: "running", startedAt: "2030-01-01T00:00:01.000Z", attempts: 1 });
    expect(record.steps.map((s) => s.name)).toEqual(["lock"]);
    expect(record.finishedAt).toBeUndefined();
  });

  it("shows a completed recovery from its return value, plan included", () => {
    const record = toRecoveryRecord(
      job({
        processedOn: T + 1000,
        finishedOn: T + 2000,
        attemptsMade: 1,
        attemptsStarted: 1,
        progress: { steps: [step("diagnose")], error: "earlier failure" },
        returnvalue: {
          outcome: "succeeded",
          reason: "planned",
          steps: [step("diagnose"), step("guard")],
          plan: ["stop member a2"],
        },
      }),
      "succeeded",
    );
    expect(record).toMatchObject({
      state: "succeeded",
      reason: "planned",
      plan: ["stop member a2"],
      error: "earlier failure",
      finishedAt: "2030-01-01T00:00:02.000Z",
      attempts: 1,
    });
    expect(record.steps.map((s) => s.name)).toEqual(["diagnose", "guard"]);
  });

  it("shows a failed recovery's reason from BullMQ and its error from the progress", () => {
    const record = toRecoveryRecord(
      job({
        finishedOn: T + 3000,
        attemptsMade: 2,
        attemptsStarted: 2,
        failedReason: "step add failed",
        progress: { steps: [step("add", "failed")], error: "rejected" },
      }),
      "failed",
    );
    expect(record).toMatchObject({ state: "failed", reason: "step add failed", error: "rejected", attempts: 2 });
  });

  it("counts a run that a dead worker started as an attempt", () => {
    expect(toRecoveryRecord(job({ attemptsMade: 0, attemptsStarted: 2 }), "running").attempts).toBe(2);
  });
});

describe("recoveryJobOptions", () => {
  it("derives retries and history bounds from the service settings", () => {
    const config = parseConfig(
      "clusters: [{ name: a, members: 1 }]\n" +
        "service: { retry: { attempts: 4, backoffSeconds: 1.5 }, history: { maxRecoveries: 50, maxAgeHours: 0.5 } }\n",
      "t.yaml",
    );
    expect(recoveryJobOptions(config.service)).toEqual({
      attempts: 4,
      backoff: { type: "exponential", delay: 1500 },
      removeOnComplete: { age: 1800, count: 50 },
      removeOnFail: { age: 1800, count: 50 },
      keepLogs: 200,
    });
  });
});
