import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  podManifest,
  processExists,
  randomPort,
  sink,
  startKubelet,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

describe("Kubelet running etcd", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("runs an etcd member Pod to Ready, execs etcdctl in it, and kills etcd when the Pod is deleted", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    const clientPort = randomPort();
    const peerPort = clientPort + 1;
    const pod = store.create(
      "pods",
      podManifest(
        "etcd-0",
        [
          {
            name: "etcd",
            image: "quay.io/coreos/etcd:v3.4.23",
            // The path of the upstream image; the host's etcd runs instead.
            command: ["/usr/local/bin/etcd"],
            args: [
              "--name=etcd-0",
              "--data-dir=/var/run/etcd/default.etcd",
              "--listen-client-urls=http://$(POD_IP):$(CLIENT_PORT)",
              "--advertise-client-urls=http://$(POD_IP):$(CLIENT_PORT)",
              "--listen-peer-urls=http://$(POD_IP):$(PEER_PORT)",
              "--initial-advertise-peer-urls=http://$(POD_IP):$(PEER_PORT)",
              "--initial-cluster=etcd-0=http://$(POD_IP):$(PEER_PORT)",
              "--initial-cluster-state=new",
            ],
            env: [
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "CLIENT_PORT", value: String(clientPort) },
              { name: "PEER_PORT", value: String(peerPort) },
              { name: "ETCDCTL_API", value: "3" },
            ],
            ports: [
              { name: "client", containerPort: clientPort },
              { name: "peer", containerPort: peerPort },
            ],
            volumeMounts: [{ name: "data", mountPath: "/var/run/etcd" }],
            readinessProbe: { httpGet: { path: "/health", port: "client" }, periodSeconds: 1 },
          },
        ],
        { volumes: [{ name: "data", emptyDir: {} }] },
      ),
    );
    await waitReady(store, "etcd-0", 15_000);
    const status = containerStatus(store, "etcd-0", "etcd");
    const pid = Number(status?.containerID?.replace("sandbox://", ""));
    expect(processExists(pid)).toBe(true);
    const volume = join(harness.dataDir, "pods", `default_etcd-0_${pod.metadata.uid}`, "volumes", "data");
    expect(existsSync(join(volume, "default.etcd", "member"))).toBe(true);

    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const endpoint = `--endpoints=http://${harness.podIP}:${clientPort}`;
    const code = await kubelet.exec("default", "etcd-0", "etcd", ["etcdctl", endpoint, "endpoint", "health"], {
      stdout: sink(out),
      stderr: sink(err),
    });
    expect(code, Buffer.concat(err).toString()).toBe(0);
    expect(Buffer.concat(out).toString() + Buffer.concat(err).toString()).toContain("is healthy");

    store.markDeleting("pods", "default", "etcd-0", 10);
    await waitForStore(store, () => !store.get("pods", "default", "etcd-0"), "the etcd pod to be removed", 10_000);
    expect(processExists(pid)).toBe(false);
    expect(existsSync(volume)).toBe(false);
  });
});
