import { existsSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStore, type KubeObject } from "../../src/index.js";
import { startKubectlSandbox, type KubectlSandbox } from "../kubectl/kubectl-sandbox.js";
import { runningAsRoot } from "./isolation-harness.js";

/** Sends `PING` to a Redis server and resolves to its first answer line. */
function redisPing(host: string, port = 6379): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5000 });
    let answer = "";
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.split("\r\n")[0] ?? "");
      }
    });
    socket.on("timeout", () => socket.destroy(new Error(`no answer from ${host}:${port} within 5 s`)));
    socket.on("error", reject);
  });
}

const twoRedisPods = `
apiVersion: v1
kind: Pod
metadata: { name: redis-a, labels: { app: redis-a } }
spec:
  hostname: cache
  subdomain: caches
  containers:
    - name: redis
      image: redis:7
      args: ["--bind", "0.0.0.0", "--port", "6379", "--save", "", "--protected-mode", "no"]
      workingDir: /srv/work
      readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 1 }
      volumeMounts:
        - { name: scratch, mountPath: /data }
        - { name: settings, mountPath: /etc/settings }
  volumes:
    - { name: scratch, emptyDir: {} }
    - { name: settings, configMap: { name: settings } }
---
apiVersion: v1
kind: Pod
metadata: { name: redis-b, labels: { app: redis-b } }
spec:
  containers:
    - name: redis
      image: redis:7
      args: ["--bind", "0.0.0.0", "--port", "6379", "--save", "", "--protected-mode", "no"]
      readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 1 }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { mode: isolated }
`;

// With root, every Pod gets network, mount, PID, UTS and IPC namespaces of its own: these checks are what a
// Pod on a real node sees. Without root the sandbox runs Pods on loopback addresses (the kubelet tests).
describe.runIf(runningAsRoot)("isolated Pods (needs root, skipped otherwise)", () => {
  let sandbox: KubectlSandbox;
  const exec = async (pod: string, ...command: string[]) => {
    const run = await sandbox.kubectl("exec", pod, "--", ...command);
    expect(run.stderr, `kubectl exec ${pod} -- ${command.join(" ")}`).toBe("");
    expect(run.code).toBe(0);
    return run.stdout;
  };
  const podIP = (name: string) =>
    (sandbox.sandbox.store.get("pods", "default", name)?.status as { podIP?: string } | undefined)?.podIP ?? "";

  beforeAll(async () => {
    sandbox = await startKubectlSandbox();
    expect(sandbox.sandbox.isolation).toBe("namespaces");
    await sandbox.apply(twoRedisPods);
    for (const name of ["redis-a", "redis-b"]) {
      await waitForStore(
        sandbox.sandbox.store,
        () => {
          const pod: KubeObject | undefined = sandbox.sandbox.store.get("pods", "default", name);
          const conditions = (pod?.status as { conditions?: { type: string; status: string }[] } | undefined)
            ?.conditions;
          return conditions?.some((c) => c.type === "Ready" && c.status === "True");
        },
        `Pod ${name} to be Ready`,
        30_000,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("gives two Pods their own addresses, each listening on the same port", async () => {
    expect(podIP("redis-a")).not.toBe(podIP("redis-b"));
    expect(podIP("redis-a")).not.toMatch(/^127\./);
    expect(await redisPing(podIP("redis-a"))).toBe("+PONG");
    expect(await redisPing(podIP("redis-b"))).toBe("+PONG");
  });

  it("names the Pod's host after its hostname, or its name", async () => {
    expect((await exec("redis-a", "hostname")).trim()).toBe("cache");
    expect((await exec("redis-b", "hostname")).trim()).toBe("redis-b");
    const hosts = await exec("redis-a", "cat", "/etc/hosts");
    expect(hosts).toContain(`${podIP("redis-a")}\tcache.caches.default.svc.cluster.local\tcache`);
    const copied = await sandbox.kubectl("exec", "redis-b", "--", "cat", "/etc/hostname");
    expect(copied.stdout).toBe("redis-b\n");
  });

  it("writes the cluster's resolver into /etc/resolv.conf", async () => {
    const resolv = await exec("redis-a", "cat", "/etc/resolv.conf");
    expect(resolv).toContain("search default.svc.cluster.local svc.cluster.local cluster.local");
    expect(resolv).toContain(`nameserver ${sandbox.sandbox.dns.host}`);
    expect(resolv).toContain("options ndots:5");
  });

  it("shows a Pod only its own processes", async () => {
    const ps = await exec("redis-a", "ps", "-e", "-o", "pid=,comm=");
    const commands = ps
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[1]);
    expect(commands).toContain("redis-server");
    // The Pod's first process, redis, this ps, and the first process's idle sleep: nothing of the host.
    expect(commands.length).toBeLessThanOrEqual(5);
    expect(ps).toMatch(/^\s*1\s/m);
  });

  it("keeps a Pod's writes in the Pod and mounts its volumes at their paths", async () => {
    await exec("redis-a", "sh", "-c", "echo kept > /etc/written-in-pod && echo data > /data/file");
    expect(existsSync("/etc/written-in-pod")).toBe(false);
    expect(await exec("redis-a", "cat", "/etc/written-in-pod")).toBe("kept\n");
    const missing = await sandbox.kubectl("exec", "redis-b", "--", "cat", "/etc/written-in-pod");
    expect(missing.code).not.toBe(0);
    expect(await exec("redis-a", "cat", "/data/file")).toBe("data\n");
    expect(await exec("redis-a", "cat", "/etc/settings/mode")).toBe("isolated");
  });

  it("runs exec in the container's working directory", async () => {
    expect((await exec("redis-a", "pwd")).trim()).toBe("/srv/work");
    expect((await exec("redis-b", "pwd")).trim()).toBe("/");
  });
});
