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
    initContainers: ContainerStatus[] = [],
  ) => podPhase({ containers, specContainers: containers.map((c) => c.name), initContainers, restartPolicy, terminal });

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
    const input = { containers: [], specContainers: ["a"], initContainers: [], restartPolicy: "Always" as const };
    expect(podPhase({ ...input, terminal: false })).toBe("Pending");
  });

  it("is Pending while an init container has not yet succeeded, whatever the app containers say", () => {
    const initializing = creating("main");
    expect(phase([initializing], "Always", false, [running("init")])).toBe("Pending");
    expect(phase([initializing], "Always", false, [exited("first", 0), creating("second")])).toBe("Pending");
    expect(phase([initializing], "OnFailure", false, [backingOff("init")])).toBe("Pending");
    expect(phase([running("main")], "Always", false, [exited("init", 0)])).toBe("Running");
  });

  it("is Failed when an init container failed and the Pod restarts nothing", () => {
    expect(phase([creating("main")], "Never", false, [exited("init", 1)])).toBe("Failed");
    expect(phase([creating("main")], "OnFailure", false, [exited("init", 1)])).toBe("Pending");
  });
});

describe("buildPodStatus", () => {
  const base = {
    specContainers: ["a", "b"],
    initContainers: [],
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

  it("is not Initialized, and names the init containers left, until every init container has succeeded", () => {
    const initializing = buildPodStatus({
      ...base,
      containers: [creating("a"), creating("b")],
      initContainers: [exited("first", 0), backingOff("second"), creating("third")],
      previousConditions: undefined,
    });
    expect(initializing.phase).toBe("Pending");
    expect(initializing.conditions.find((c) => c.type === "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [second third]",
    });
    expect(initializing.initContainerStatuses?.map((c) => c.name)).toEqual(["first", "second", "third"]);

    const initialized = buildPodStatus({
      ...base,
      containers: [running("a"), running("b")],
      initContainers: [exited("first", 0)],
      previousConditions: initializing.conditions,
    });
    expect(initialized.conditions.find((c) => c.type === "Initialized")).toMatchObject({
      status: "True",
      lastTransitionTime: base.now,
    });
    expect(initialized.conditions.find((c) => c.type === "Initialized")).not.toHaveProperty("reason");
  });

  it("has no initContainerStatuses when the Pod has no init containers", () => {
    const status = buildPodStatus({ ...base, containers: [running("a"), running("b")], previousConditions: undefined });
    expect(status).not.toHaveProperty("initContainerStatuses");
  });
});
