import { describe, expect, it } from "vitest";
import { buildPodStatus, podPhase, type ContainerStatus, type PodCondition } from "../../src/kubelet/pod-status.js";

function container(name: string, fields: Partial<ContainerStatus>): ContainerStatus {
  return {
    name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: 0,
    image: "img",
    imageID: "img",
    started: false,
    ...fields,
  };
}

const running = (name: string, ready = true) =>
  container(name, { state: { running: { startedAt: "t" } }, ready, started: true });
const creating = (name: string) => container(name, { state: { waiting: { reason: "ContainerCreating" } } });
const exited = (name: string, exitCode: number) =>
  container(name, {
    state: { terminated: { exitCode, reason: exitCode ? "Error" : "Completed", startedAt: "t", finishedAt: "t" } },
  });
const backingOff = (name: string) =>
  container(name, {
    state: { waiting: { reason: "CrashLoopBackOff", message: "m" } },
    lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: "t", finishedAt: "t" } },
    restartCount: 2,
  });

describe("podPhase", () => {
  const phase = (
    containers: ContainerStatus[],
    restartPolicy: "Always" | "OnFailure" | "Never" = "Always",
    terminal = false,
  ) => podPhase({ containers, specContainers: containers.map((c) => c.name), restartPolicy, terminal });

  it("is Pending while a container has never started", () => {
    expect(phase([creating("a")])).toBe("Pending");
    expect(phase([running("a"), creating("b")])).toBe("Pending");
  });

  it("is Running while a container runs or restarts under Always", () => {
    expect(phase([running("a")])).toBe("Running");
    expect(phase([backingOff("a")])).toBe("Running");
    expect(phase([exited("a", 0)])).toBe("Running");
  });

  it("ends as Succeeded or Failed when containers are not restarted", () => {
    expect(phase([exited("a", 0)], "Never")).toBe("Succeeded");
    expect(phase([exited("a", 0), exited("b", 1)], "Never")).toBe("Failed");
    expect(phase([exited("a", 0)], "OnFailure")).toBe("Succeeded");
    expect(phase([backingOff("a")], "OnFailure")).toBe("Running");
    expect(phase([exited("a", 143)], "Always", true)).toBe("Failed");
  });

  it("is Pending when a container has no status", () => {
    expect(podPhase({ containers: [], specContainers: ["a"], restartPolicy: "Always", terminal: false })).toBe(
      "Pending",
    );
  });
});

describe("buildPodStatus", () => {
  const base = {
    specContainers: ["a", "b"],
    restartPolicy: "Always" as const,
    podIP: "127.77.0.1",
    hostIP: "127.0.0.1",
    startTime: "2024-01-01T00:00:00Z",
    terminal: false,
    now: "2024-01-01T00:00:10Z",
  };

  it("reports readiness conditions with the unready containers named", () => {
    const status = buildPodStatus({
      ...base,
      containers: [running("a"), running("b", false)],
      previousConditions: undefined,
    });
    expect(status.phase).toBe("Running");
    expect(status.podIPs).toEqual([{ ip: "127.77.0.1" }]);
    expect(status.hostIPs).toEqual([{ ip: "127.0.0.1" }]);
    const ready = status.conditions.find((c) => c.type === "Ready");
    expect(ready).toEqual({
      type: "Ready",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: base.now,
      reason: "ContainersNotReady",
      message: "containers with unready status: [b]",
    });
  });

  it("keeps a condition's transition time while its status stays", () => {
    const previous: PodCondition[] = [
      { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:01Z" },
      { type: "Ready", status: "False", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:01Z" },
    ];
    const status = buildPodStatus({ ...base, containers: [running("a"), running("b")], previousConditions: previous });
    const byType = Object.fromEntries(status.conditions.map((c) => [c.type, c]));
    expect(byType.PodScheduled?.lastTransitionTime).toBe("2024-01-01T00:00:01Z");
    expect(byType.Ready).toEqual({ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: base.now });
    expect(byType.ContainersReady?.status).toBe("True");
  });

  it("says PodCompleted once the Pod has ended", () => {
    const status = buildPodStatus({
      ...base,
      restartPolicy: "Never",
      containers: [exited("a", 0), exited("b", 0)],
      previousConditions: undefined,
    });
    expect(status.phase).toBe("Succeeded");
    expect(status.conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
  });
});
