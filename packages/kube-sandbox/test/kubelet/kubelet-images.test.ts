import { afterEach, describe, expect, it } from "vitest";
import { catalogWithBuiltIns } from "../../src/images/built-in-images.js";
import type { ContainerStatus } from "../../src/kubelet/pod-status.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { containerStatus, podManifest, startKubelet, waitFor, type KubeletHarness } from "./kubelet-harness.js";

/** An image whose ENTRYPOINT is a shell script runner and whose CMD is a script. */
const ECHOER = { repositories: ["example.com/echoer"], entrypoint: ["sh", "-c"], cmd: ["echo from-cmd"] };

describe("Kubelet pulling images from the image catalog", () => {
  let harness: KubeletHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const terminated = (pod: string) =>
    waitForStore(
      harness!.store,
      () => containerStatus(harness!.store, pod, "main")?.state.terminated,
      `the container of ${pod} to terminate`,
      5000,
    );

  it("runs the image's ENTRYPOINT and CMD, args replacing CMD, command replacing both", async () => {
    harness = startKubelet({ images: catalogWithBuiltIns([ECHOER]) });
    const { store, kubelet } = harness;
    const image = "example.com/echoer:2";
    const cases: [string, Record<string, string[]>, string][] = [
      ["defaults", {}, "from-cmd\n"],
      ["with-args", { args: ["echo from-args"] }, "from-args\n"],
      ["with-command", { command: ["echo", "from-command"] }, "from-command\n"],
    ];
    for (const [name, fields] of cases) {
      store.create("pods", podManifest(name, [{ name: "main", image, ...fields }], { restartPolicy: "Never" }));
    }
    for (const [name, , log] of cases) {
      expect((await terminated(name)).exitCode).toBe(0);
      await waitFor(
        () => kubelet.readLog("default", name, {}),
        (text) => text === log,
        `the log of ${name}`,
      );
    }
  });

  it("answers an image it does not have with ErrImagePull, then ImagePullBackOff, and pulls again", async () => {
    harness = startKubelet();
    const { store } = harness;
    // The responder's own image is not an etcd image, though its name contains "etcd".
    store.create("pods", podManifest("responder", [{ name: "main", image: "etcd-responder:0.1.0", args: ["worker"] }]));
    const reasons: string[] = [];
    const waiting = (): ContainerStatus["state"]["waiting"] => {
      const state = containerStatus(store, "responder", "main")?.state.waiting;
      if (state?.reason && state.reason !== reasons.at(-1)) reasons.push(state.reason);
      return state;
    };
    const first = await waitForStore(store, () => waiting()?.reason === "ErrImagePull" && waiting(), "ErrImagePull");
    expect(first).toEqual({
      reason: "ErrImagePull",
      message:
        'Failed to pull image "etcd-responder:0.1.0": ' +
        "docker.io/library/etcd-responder:0.1.0: not found in the sandbox's image catalog",
    });
    await waitForStore(
      store,
      () => waiting() && reasons.length >= 4,
      "a second ErrImagePull after ImagePullBackOff",
      5000,
    );
    expect(reasons.slice(0, 4)).toEqual(["ErrImagePull", "ImagePullBackOff", "ErrImagePull", "ImagePullBackOff"]);
    expect(containerStatus(store, "responder", "main")?.state.waiting?.message).toBe(
      'Back-off pulling image "etcd-responder:0.1.0"',
    );
    expect(containerStatus(store, "responder", "main")?.restartCount).toBe(0);
    expect(harness.started).toEqual([]);
  });

  it("answers a malformed image reference with InvalidImageName and does not try again", async () => {
    harness = startKubelet();
    const { store } = harness;
    store.create("pods", podManifest("bad", [{ name: "main", image: "Example/Bad", command: ["true"] }]));
    const state = await waitForStore(
      store,
      () =>
        containerStatus(store, "bad", "main")?.state.waiting?.reason === "InvalidImageName" &&
        containerStatus(store, "bad", "main")?.state,
      "InvalidImageName",
    );
    expect(state.waiting?.message).toBe(
      'Failed to apply default image tag "Example/Bad": couldn\'t parse image name "Example/Bad": ' +
        "repository name must be lowercase",
    );
    expect(harness.started).toEqual([]);
  });
});
