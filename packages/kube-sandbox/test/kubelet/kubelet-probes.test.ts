import { afterEach, describe, expect, it } from "vitest";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  randomPort,
  startKubelet,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

const HTTP_SERVER = [
  "const http = require('http');",
  // Comes up after a moment, so the Pod is seen unready first.
  "setTimeout(() => http.createServer((req, res) => { ",
  "res.statusCode = req.url === '/ready' ? 200 : 500; res.end('ok'); })",
  ".listen(Number(process.env.PORT), process.env.POD_IP), 400);",
].join("");

function readyOf(harness: KubeletHarness, pod: string): boolean | undefined {
  return containerStatus(harness.store, pod, "main")?.ready;
}

describe("Kubelet probes", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("marks a container ready when its httpGet readiness probe answers 2xx on the Pod IP", async () => {
    harness = startKubelet();
    const { store } = harness;
    const port = randomPort();
    store.create(
      "pods",
      podManifest("web", [
        {
          name: "main",
          command: ["node", "-e", HTTP_SERVER],
          env: [
            { name: "PORT", value: String(port) },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          ],
          ports: [{ name: "http", containerPort: port }],
          readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 1, failureThreshold: 1 },
        },
      ]),
    );
    await waitForStore(store, () => containerStatus(store, "web", "main")?.state.running, "the server to run", 5000);
    expect(readyOf(harness, "web")).toBe(false);
    const status = await waitReady(store, "web", 5000);
    expect(status.phase).toBe("Running");
    expect(readyOf(harness, "web")).toBe(true);
  });

  it("follows an exec readiness probe both ways and restarts a container whose liveness probe fails", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    store.create(
      "pods",
      podManifest(
        "files",
        [
          {
            name: "main",
            command: ["sh", "-c", "touch /state/alive; exec sleep 60"],
            volumeMounts: [{ name: "state", mountPath: "/state" }],
            readinessProbe: {
              exec: { command: ["test", "-f", "/state/ready"] },
              periodSeconds: 1,
              failureThreshold: 2,
            },
            livenessProbe: { exec: { command: ["test", "-f", "/state/alive"] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
        { volumes: [{ name: "state", emptyDir: {} }], terminationGracePeriodSeconds: 1 },
      ),
    );
    await waitForStore(
      store,
      () => containerStatus(store, "files", "main")?.state.running,
      "the container to run",
      5000,
    );
    expect(await kubelet.exec("default", "files", "main", ["touch", "/state/ready"], {})).toBe(0);
    await waitReady(store, "files", 5000);

    expect(await kubelet.exec("default", "files", "main", ["rm", "/state/ready"], {})).toBe(0);
    await waitForStore(store, () => readyOf(harness!, "files") === false, "the container to turn unready", 5000);

    expect(await kubelet.exec("default", "files", "main", ["rm", "/state/alive"], {})).toBe(0);
    const restarted = await waitForStore(
      store,
      () => {
        const status = containerStatus(store, "files", "main");
        return status && status.restartCount >= 1 && status.state.running ? status : undefined;
      },
      "the liveness probe to restart the container",
      10_000,
    );
    expect(restarted.lastState.terminated).toMatchObject({ exitCode: 143, reason: "Error" });
  });

  it("does not kill a slow-starting container whose liveness probe allows for its start-up", async () => {
    harness = startKubelet();
    const { store } = harness;
    const port = randomPort();
    const slowServer = HTTP_SERVER.replace("400);", "2000);");
    const probe = { httpGet: { path: "/ready", port }, initialDelaySeconds: 1, periodSeconds: 1 };
    store.create(
      "pods",
      podManifest(
        "slow",
        [
          {
            name: "main",
            command: ["node", "-e", slowServer],
            env: [
              { name: "PORT", value: String(port) },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            ],
            readinessProbe: probe,
            livenessProbe: { ...probe, failureThreshold: 5 },
          },
        ],
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    const status = await waitReady(store, "slow", 10_000);
    expect(status.containerStatuses?.[0]).toMatchObject({ restartCount: 0, ready: true, lastState: {} });
  });

  it("runs no liveness or readiness probe until the startup probe has succeeded", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    const every = { periodSeconds: 1, failureThreshold: 1 };
    store.create(
      "pods",
      podManifest(
        "starter",
        [
          {
            name: "main",
            command: ["sleep", "60"],
            volumeMounts: [{ name: "state", mountPath: "/state" }],
            startupProbe: {
              exec: { command: ["test", "-f", "/state/started"] },
              periodSeconds: 1,
              failureThreshold: 30,
            },
            // Both fail at once when they run: the container would be killed, and unready.
            livenessProbe: { exec: { command: ["false"] }, ...every },
            readinessProbe: { exec: { command: ["false"] }, ...every },
          },
        ],
        { volumes: [{ name: "state", emptyDir: {} }], terminationGracePeriodSeconds: 1 },
      ),
    );
    await waitForStore(store, () => containerStatus(store, "starter", "main")?.state.running, "the container", 5000);
    // Three startup attempts fail; neither liveness nor readiness has a say yet.
    await waitForStore(
      store,
      () => store.list("events", "default").find((e) => e.reason === "Unhealthy" && (e.count as number) >= 3),
      "three failed startup probe attempts",
      10_000,
    );
    const messages = store.list("events", "default").map((e) => e.message as string);
    expect(messages.filter((m) => m.includes("probe failed"))).toEqual(["Startup probe failed: "]);
    expect(containerStatus(store, "starter", "main")).toMatchObject({ restartCount: 0, started: false, ready: false });

    expect(await kubelet.exec("default", "starter", "main", ["touch", "/state/started"], {})).toBe(0);
    const restarted = await waitForStore(
      store,
      () => {
        const status = containerStatus(store, "starter", "main");
        return status && status.restartCount >= 1 ? status : undefined;
      },
      "the liveness probe, now running, to restart the container",
      10_000,
    );
    expect(restarted.lastState.terminated).toMatchObject({ reason: "Error" });
    expect(store.list("events", "default").map((e) => e.message)).toContain(
      "Container main failed liveness probe, will be restarted",
    );
  });
});
