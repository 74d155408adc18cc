import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { StatusError } from "../../src/api/status-error.js";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  podStatus,
  processExists,
  processRunning,
  sink,
  startKubelet,
  waitFor,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

describe("Kubelet running Pods", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("runs a Pod's container and reports it Running and Ready with its address and logs", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    store.create(
      "pods",
      podManifest("hello", [{ name: "main", image: "busybox", command: ["sh", "-c", "echo hello; sleep 60"] }]),
    );

    const status = await waitReady(store, "hello", 5000);
    expect(status.phase).toBe("Running");
    expect(status.podIP).toBe(harness.podIP);
    expect(status.podIPs).toEqual([{ ip: harness.podIP }]);
    expect(status.hostIP).toBe("127.0.0.1");
    expect(status.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      "PodScheduled=True",
      "Initialized=True",
      "ContainersReady=True",
      "Ready=True",
    ]);
    expect(store.get("pods", "default", "hello")?.spec).toMatchObject({ nodeName: "sandbox" });
    const main = containerStatus(store, "hello", "main");
    expect(main).toMatchObject({
      name: "main",
      image: "busybox",
      ready: true,
      started: true,
      restartCount: 0,
      lastState: {},
    });
    expect(main?.state.running?.startedAt).toBeDefined();
    const pid = Number(main?.containerID?.replace("sandbox://", ""));
    expect(harness.live.has(pid)).toBe(true);

    const logs = await waitFor(
      () => kubelet.readLog("default", "hello", {}),
      (text) => text.includes("hello"),
      "the log to show hello",
    );
    expect(logs).toBe("hello\n");
    expect(kubelet.readLog("default", "hello", { container: "main", timestamps: true })).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z hello\n$/,
    );
    expect(kubelet.readLog("default", "hello", { sinceSeconds: 3600 })).toBe("hello\n");
    expect(kubelet.readLog("default", "hello", { tailLines: 0 })).toBe("");
    expect(kubelet.readLog("default", "hello", { limitBytes: 3 })).toBe("hel");
  });

  it("answers log and exec requests for unknown pods, containers and runs with Kubernetes errors", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    store.create("pods", podManifest("x", [{ name: "etcd", command: ["sleep", "60"] }]));
    store.create(
      "pods",
      podManifest("two", [
        { name: "a", command: ["sleep", "60"] },
        { name: "b", command: ["sleep", "60"] },
      ]),
    );
    await waitReady(store, "x", 5000);
    await waitReady(store, "two", 5000);

    expectStatusError(() => kubelet.readLog("default", "nope", {}), 404, 'pods "nope" not found');
    expectStatusError(
      () => kubelet.readLog("default", "x", { previous: true }),
      400,
      'previous terminated container "etcd" in pod "x" not found',
    );
    expectStatusError(
      () => kubelet.readLog("default", "x", { container: "other" }),
      400,
      "container other is not valid for pod x",
    );
    expectStatusError(
      () => kubelet.readLog("default", "two", {}),
      400,
      "a container name must be specified for pod two, choose one of: [a b]",
    );
    await expect(kubelet.exec("default", "nope", undefined, ["true"], {})).rejects.toMatchObject({ code: 404 });
  });

  it("expands $(VAR), gives the downward API values to the process, and only PATH and HOME of the host", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    store.create(
      "pods",
      podManifest("env", [
        {
          name: "main",
          command: [
            "sh",
            "-c",
            'echo "ip=$(POD_IP) url=$URL name=$POD_NAME ns=$POD_NS app=$APP"; echo "$LITERAL"; ' +
              'env | sort | cut -d= -f1 | tr "\\n" " "; echo; sleep 60',
          ],
          env: [
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "URL", value: "http://$(POD_IP):2379" },
            { name: "LITERAL", value: "literal=$(NOPE) dollar=$$(POD_IP) later=$(POD_NAME)" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          ],
        },
      ]),
    );
    await waitReady(store, "env", 5000);
    const logs = await waitFor(
      () => kubelet.readLog("default", "env", {}),
      (text) => text.split("\n").length >= 4,
      "three log lines",
    );
    const ip = harness.podIP;
    expect(logs.split("\n")[0]).toBe(`ip=${ip} url=http://${ip}:2379 name=env ns=default app=env`);
    expect(logs.split("\n")[1]).toBe("literal=$(NOPE) dollar=$(POD_IP) later=$(POD_NAME)");
    // sh adds PWD (and SHLVL, _) itself; nothing else of the host's environment may appear.
    const names = (logs.split("\n")[2] ?? "")
      .trim()
      .split(" ")
      .filter((n) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(n));
    expect(names).toEqual(["APP", "HOME", "LITERAL", "PATH", "POD_IP", "POD_NAME", "POD_NS", "URL"]);

    const out: Buffer[] = [];
    const code = await kubelet.exec("default", "env", undefined, ["sh", "-c", "echo $URL; exit 4"], {
      stdout: sink(out),
    });
    expect(code).toBe(4);
    expect(Buffer.concat(out).toString()).toBe(`http://${ip}:2379\n`);
    const echoed: Buffer[] = [];
    const input = Readable.from([Buffer.from("from stdin\n")]);
    expect(await kubelet.exec("default", "env", "main", ["cat"], { stdin: input, stdout: sink(echoed) })).toBe(0);
    expect(Buffer.concat(echoed).toString()).toBe("from stdin\n");
    const err: Buffer[] = [];
    expect(await kubelet.exec("default", "env", "main", ["no-such-binary"], { stderr: sink(err) })).toBe(126);
    expect(Buffer.concat(err).toString()).toContain('exec: "no-such-binary": executable file not found in $PATH');
  });

  it("marks a container whose executable does not exist as StartError", async () => {
    harness = startKubelet({ backoffBaseMs: 5000 });
    const { store } = harness;
    store.create("pods", podManifest("missing", [{ name: "main", command: ["/usr/local/bin/no-such-binary"] }]));
    const status = await waitForStore(
      store,
      () =>
        containerStatus(store, "missing", "main")?.state.waiting?.reason === "CrashLoopBackOff" &&
        containerStatus(store, "missing", "main"),
      "the missing executable to crash-loop",
      5000,
    );
    expect(status.lastState.terminated).toMatchObject({ exitCode: 128, reason: "StartError" });
    expect(status.lastState.terminated?.message).toContain(
      'exec: "/usr/local/bin/no-such-binary": executable file not found in $PATH',
    );
    expect(podStatus(store, "missing")?.phase).toBe("Running");
  });

  it("leaves no process behind when it stops", async () => {
    harness = startKubelet();
    const { store } = harness;
    // One container ignores SIGTERM and has a child in its group; stop must still end both.
    store.create(
      "pods",
      podManifest("stubborn", [
        { name: "main", command: ["sh", "-c", "trap '' TERM; sleep 60 & echo child=$!; wait"] },
      ]),
    );
    store.create("pods", podManifest("plain", [{ name: "main", command: ["sleep", "60"] }]));
    await waitReady(store, "stubborn", 5000);
    const log = await waitFor(
      () => harness!.kubelet.readLog("default", "stubborn", {}),
      (text) => text.startsWith("child="),
      "the trap to be set",
    );
    const child = Number(log.trim().slice("child=".length));
    await waitReady(store, "plain", 5000);
    const running = harness.kubelet.exec("default", "plain", undefined, ["sleep", "60"], {});
    await waitFor(
      () => harness!.started.length,
      (n) => n === 3,
      "the exec process to start",
    );
    const pids = [...harness.started];
    for (const pid of pids) expect(processExists(pid)).toBe(true);
    const stopping = Date.now();
    await harness.close();
    expect(Date.now() - stopping).toBeLessThan(8000);
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    // The child left in the container's process group dies with it (reaping it is not the kubelet's part).
    expect(processRunning(child)).toBe(false);
    expect(harness.live.size).toBe(0);
    expect(await running).toBe(137);
  });
});

function expectStatusError(fn: () => unknown, code: number, message: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StatusError);
    expect((error as StatusError).code).toBe(code);
    expect((error as StatusError).message).toBe(message);
    return;
  }
  throw new Error(`expected a ${code} StatusError: ${message}`);
}
