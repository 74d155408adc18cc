import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "../../src/index.js";
import { kubectl } from "../support.js";

const CLAIM = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
`;

/** A Pod that runs `script` with the claim `data` mounted at /data. */
const pod = (name: string, script: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  restartPolicy: Never
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
  containers:
    - name: main
      image: busybox
      command: [sh, -c, ${JSON.stringify(script)}]
      volumeMounts: [{ name: data, mountPath: /data }]
`;

const phaseOf = (obj: KubeObject | undefined) => (obj?.status as { phase?: string } | undefined)?.phase;

describe("PersistentVolumeClaims", () => {
  let dir: string;
  let sandbox: Sandbox;
  const apply = async (name: string, manifest: string) => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, manifest);
    const applied = await kubectl(sandbox.kubeconfig, "apply", "-f", file);
    expect(applied.code, applied.stderr).toBe(0);
  };
  const podPhase = (name: string, phase: string) =>
    waitForStore(
      sandbox.store,
      () => (phaseOf(sandbox.store.get("pods", "default", name)) === phase ? true : undefined),
      `Pod ${name} to be ${phase}`,
      20_000,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-pvc-"));
    sandbox = await startSandbox({ dir });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("binds a claim of the default class at once, as kubectl shows", async () => {
    const classes = await kubectl(sandbox.kubeconfig, "get", "storageclass");
    expect(classes.stdout).toMatch(/^standard \(default\)\s+kube-sandbox\.local\/host-folder\s+Delete\s+Immediate/m);
    await apply("claim", CLAIM);
    const bound = await waitForStore(
      sandbox.store,
      () => {
        const claim = sandbox.store.get("persistentvolumeclaims", "default", "data");
        return phaseOf(claim) === "Bound" ? claim : undefined;
      },
      "claim data to be Bound",
      10_000,
    );
    expect(bound.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    expect(bound.spec).toMatchObject({ storageClassName: "standard", volumeName: `pvc-${bound.metadata.uid}` });
    const claims = await kubectl(sandbox.kubeconfig, "get", "pvc");
    expect(claims.stdout).toMatch(/^data\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s/m);
    const volumes = await kubectl(sandbox.kubeconfig, "get", "pv");
    expect(volumes.stdout).toMatch(/^pvc-\S+\s+1Gi\s+RWO\s+Delete\s+Bound\s+default\/data\s+standard\s/m);
  });

  it("keeps the data across Pods, holds the claim while a Pod uses it, then deletes it with its volume", async () => {
    await apply("writer", pod("writer", "echo kept > /data/note"));
    await podPhase("writer", "Succeeded");
    await kubectl(sandbox.kubeconfig, "delete", "pod", "writer", "--wait=true");

    await apply("reader", pod("reader", "cat /data/note; exec sleep 300"));
    await waitForStore(
      sandbox.store,
      () => (phaseOf(sandbox.store.get("pods", "default", "reader")) === "Running" ? true : undefined),
      "Pod reader to run",
      20_000,
    );
    const logs = await kubectl(sandbox.kubeconfig, "logs", "reader");
    expect(logs.stdout.trim()).toBe("kept");

    const claim = sandbox.store.get("persistentvolumeclaims", "default", "data")!;
    const volumeName = (claim.spec as { volumeName: string }).volumeName;
    const volumeDir = (
      sandbox.store.get("persistentvolumes", undefined, volumeName)!.spec as { hostPath: { path: string } }
    ).hostPath.path;
    expect(existsSync(join(volumeDir, "note"))).toBe(true);

    // In use: the claim stays Terminating.
    expect((await kubectl(sandbox.kubeconfig, "delete", "pvc", "data", "--wait=false")).code).toBe(0);
    const terminating = await kubectl(sandbox.kubeconfig, "get", "pvc", "data");
    expect(terminating.stdout).toMatch(/^data\s+Terminating\s/m);
    expect(sandbox.store.get("persistentvolumeclaims", "default", "data")).toBeDefined();

    // Its last user gone, the claim goes, and its volume with the data.
    await kubectl(sandbox.kubeconfig, "delete", "pod", "reader", "--grace-period=1", "--wait=true");
    await waitForStore(
      sandbox.store,
      () =>
        !sandbox.store.get("persistentvolumeclaims", "default", "data") &&
        !sandbox.store.get("persistentvolumes", undefined, volumeName)
          ? true
          : undefined,
      "the claim and its volume to be deleted",
      10_000,
    );
    expect(existsSync(volumeDir)).toBe(false);
  });
});
