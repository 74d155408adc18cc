import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import {
  containerStatus,
  createConfigMap,
  createSecret,
  podManifest,
  sink,
  startKubelet,
  waitFor,
  waitReady,
  type KubeletHarness,
} from "./kubelet-harness.js";

describe("Kubelet with projected and downward API volumes", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("waits for a projected Secret, then runs with every source's files in one directory", async () => {
    const chunks: Buffer[] = [];
    harness = startKubelet({ logger: createLogger({ level: "warn", destination: sink(chunks) }) });
    const { store, kubelet } = harness;
    const warnings = () => Buffer.concat(chunks).toString("utf8");
    createConfigMap(store, "settings", { "app.conf": "level: debug\n" });
    const pod = podManifest(
      "projected",
      [
        {
          name: "main",
          image: "busybox",
          command: [
            "sh",
            "-c",
            "cat /etc/projected/app.conf /etc/projected/creds/password; echo; cat /etc/projected/labels; echo; " +
              "cat /etc/podinfo/name; echo; cat /etc/podinfo/memory; echo; sleep 60",
          ],
          resources: { limits: { memory: "64Mi" } },
          volumeMounts: [
            { name: "all", mountPath: "/etc/projected", readOnly: true },
            { name: "podinfo", mountPath: "/etc/podinfo" },
          ],
        },
      ],
      {
        volumes: [
          {
            name: "all",
            projected: {
              sources: [
                { configMap: { name: "settings" } },
                { secret: { name: "creds", items: [{ key: "password", path: "creds/password" }] } },
                { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
                { serviceAccountToken: { path: "token" } },
              ],
            },
          },
          {
            name: "podinfo",
            downwardAPI: {
              items: [
                { path: "name", fieldRef: { fieldPath: "metadata.name" } },
                {
                  path: "memory",
                  resourceFieldRef: { containerName: "main", resource: "limits.memory", divisor: "1Mi" },
                },
              ],
            },
          },
        ],
      },
    );
    pod.metadata.labels = { app: "projected", tier: "back end" };
    store.create("pods", pod);
    await waitFor(warnings, (text) => text.includes("volume setup failed"), "the volume setup to fail");
    expect(warnings()).toContain('MountVolume.SetUp failed for volume \\"all\\" : secret \\"creds\\" not found');
    // The status that says so is written just after the warning.
    await waitFor(
      () => containerStatus(store, "projected", "main")?.state.waiting?.reason,
      (reason) => reason === "ContainerCreating",
      "the container to wait in ContainerCreating",
    );

    createSecret(store, "creds", { password: "hunter2" });
    await waitReady(store, "projected", 5000);
    const logs = await waitFor(
      () => kubelet.readLog("default", "projected", {}),
      (text) => text.includes("64\n"),
      "the files to be printed",
    );
    expect(logs).toBe('level: debug\nhunter2\napp="projected"\ntier="back end"\nprojected\n64\n');
    const notEmulated = warnings()
      .split("\n")
      .filter((line) => line.includes("volume sources not emulated"));
    expect(notEmulated).toHaveLength(1);
    expect(notEmulated[0]).toContain('"volumes":["all/serviceAccountToken"]');
  });
});
