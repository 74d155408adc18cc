import { afterEach, describe, expect, it } from "vitest";
import { waitForStore } from "../../src/wait-for-store.js";
import {
  containerStatus,
  createConfigMap,
  createSecret,
  podManifest,
  podStatus,
  startKubelet,
  waitFor,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

describe("Kubelet with Secrets and ConfigMaps", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("waits for a missing Secret, then mounts it and passes its keys as env", async () => {
    harness = startKubelet();
    const { store, kubelet } = harness;
    createConfigMap(store, "settings", { "etcd.conf": "name: m1\n" });
    store.create(
      "pods",
      podManifest(
        "configured",
        [
          {
            name: "main",
            command: [
              "sh",
              "-c",
              'echo "pw=$PASSWORD"; cat /etc/creds/password; echo; cat /etc/etcd/etcd.conf; sleep 60',
            ],
            env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }],
            volumeMounts: [
              { name: "creds", mountPath: "/etc/creds", readOnly: true },
              { name: "config", mountPath: "/etc/etcd" },
            ],
          },
        ],
        {
          volumes: [
            { name: "creds", secret: { secretName: "creds" } },
            { name: "config", configMap: { name: "settings" } },
          ],
        },
      ),
    );
    await waitForStore(
      store,
      () => podStatus(store, "configured")?.phase === "Pending",
      "the pod to be admitted",
      5000,
    );
    expect(containerStatus(store, "configured", "main")?.state.waiting?.reason).toBe("ContainerCreating");

    createSecret(store, "creds", { password: "hunter2" });
    await waitReady(store, "configured", 5000);
    const logs = await waitFor(
      () => kubelet.readLog("default", "configured", {}),
      (text) => text.includes("name: m1"),
      "the files to be printed",
    );
    expect(logs).toBe("pw=hunter2\nhunter2\nname: m1\n");
  });

  it("reports CreateContainerConfigError for a missing env key and starts once it exists", async () => {
    harness = startKubelet();
    const { store } = harness;
    store.create(
      "pods",
      podManifest("keyed", [
        {
          name: "main",
          command: ["sleep", "60"],
          env: [{ name: "LEVEL", valueFrom: { configMapKeyRef: { name: "levels", key: "level" } } }],
        },
      ]),
    );
    const waiting = await waitForStore(
      store,
      () =>
        containerStatus(store, "keyed", "main")?.state.waiting?.reason === "CreateContainerConfigError" &&
        containerStatus(store, "keyed", "main"),
      "CreateContainerConfigError",
      5000,
    );
    expect(waiting.state.waiting?.message).toBe('configmap "levels" not found');
    createConfigMap(store, "levels", { level: "debug" });
    await waitReady(store, "keyed", 5000);
    expect(containerStatus(store, "keyed", "main")?.restartCount).toBe(0);
  });
});
