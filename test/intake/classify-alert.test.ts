import { describe, expect, it } from "vitest";
import { classifyAlert } from "../../src/intake/alerts.js";

const NAMES = ["KubePodCrashLooping"];
const alert = (labels: Record<string, string>, extra: { status?: string; fingerprint?: string } = {}) => ({
  labels,
  ...extra,
});
const crashLoop = { alertname: "KubePodCrashLooping", namespace: "default", pod: "example-3-7d9f8b6c4d-x2k4q" };

describe("classifyAlert", () => {
  it("makes a candidate of a firing crash-loop alert about a Pod", () => {
    expect(classifyAlert(alert(crashLoop, { status: "firing", fingerprint: "abc" }), "firing", NAMES)).toEqual({
      kind: "candidate",
      alertname: "KubePodCrashLooping",
      namespace: "default",
      pod: "example-3-7d9f8b6c4d-x2k4q",
      fingerprint: "abc",
    });
  });

  it("ignores resolved alerts and unknown statuses", () => {
    expect(classifyAlert(alert(crashLoop, { status: "resolved" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "not-firing",
    });
    expect(classifyAlert(alert(crashLoop, { status: "pending" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "not-firing",
    });
  });

  it("falls back to the notification's status when the alert has none", () => {
    expect(classifyAlert(alert(crashLoop), "firing", NAMES).kind).toBe("candidate");
    expect(classifyAlert(alert(crashLoop), "resolved", NAMES)).toEqual({ kind: "ignored", reason: "not-firing" });
    expect(classifyAlert(alert(crashLoop), undefined, NAMES)).toEqual({ kind: "ignored", reason: "not-firing" });
  });

  it("ignores other alert names, and follows the configured list", () => {
    const other = { ...crashLoop, alertname: "KubePodNotReady" };
    expect(classifyAlert(alert(other, { status: "firing" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "other-alertname",
    });
    expect(classifyAlert(alert(other, { status: "firing" }), "firing", ["KubePodNotReady"]).kind).toBe("candidate");
    expect(classifyAlert(alert({ namespace: "default", pod: "p" }, { status: "firing" }), "firing", NAMES).kind).toBe(
      "ignored",
    );
  });

  it("ignores alerts without a namespace or Pod", () => {
    expect(
      classifyAlert(
        alert({ alertname: "KubePodCrashLooping", namespace: "default" }, { status: "firing" }),
        "firing",
        NAMES,
      ),
    ).toEqual({
      kind: "ignored",
      reason: "no-pod",
    });
    expect(classifyAlert(alert({ ...crashLoop, pod: "" }, { status: "firing" }), "firing", NAMES).kind).toBe("ignored");
  });

  it("reads own labels only", () => {
    const labels = Object.create({ alertname: "KubePodCrashLooping", namespace: "default", pod: "p" }) as Record<
      string,
      string
    >;
    expect(classifyAlert(alert(labels, { status: "firing" }), "firing", NAMES).kind).toBe("ignored");
  });
});
