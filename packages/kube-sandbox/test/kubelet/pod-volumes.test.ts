import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConfigSources } from "../../src/kubelet/config-sources.js";
import { VolumeSetupError } from "../../src/kubelet/errors.js";
import { containerMounts, setUpVolumes } from "../../src/kubelet/pod-volumes.js";

/** The folder the claim `data` is bound to: outside every Pod's own folder. */
const claimDir = join(tmpdir(), `pod-volumes-claim-${process.pid}`);

const sources: ConfigSources = {
  secret: (_ns, name) =>
    name === "tls"
      ? new Map([
          ["tls.key", Buffer.from("KEY")],
          ["ca.crt", Buffer.from("CA")],
        ])
      : undefined,
  configMap: (_ns, name) => (name === "conf" ? new Map([["etcd.conf", Buffer.from("a: 1\n")]]) : undefined),
  claim: (_ns, name) =>
    name === "data" ? { path: claimDir } : { problem: `persistentvolumeclaim "${name}" is being deleted` },
};

describe("pod volumes", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pod-volumes-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates emptyDirs once and fills Secret and ConfigMap volumes", () => {
    const volumes = [
      { name: "data", emptyDir: {} },
      { name: "certs", secret: { secretName: "tls", items: [{ key: "tls.key", path: "keys/server.key" }] } },
      { name: "config", configMap: { name: "conf" } },
      { name: "host", hostPath: { path: "/var/lib/x" } },
    ];
    const first = setUpVolumes(dir, "default", volumes, sources);
    expect(first.unsupported).toEqual(["host"]);
    writeFileSync(join(dir, "data", "kept"), "1");
    const again = setUpVolumes(dir, "default", volumes, sources);
    expect(readFileSync(join(again.dirs.get("data")!, "kept"), "utf8")).toBe("1");
    expect(readFileSync(join(dir, "certs", "keys", "server.key"), "utf8")).toBe("KEY");
    expect(statSync(join(dir, "certs", "keys", "server.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "config", "etcd.conf"), "utf8")).toBe("a: 1\n");
    expect(statSync(join(dir, "config", "etcd.conf")).mode & 0o777).toBe(0o644);

    const mounts = containerMounts(
      {
        name: "c",
        volumeMounts: [
          { name: "data", mountPath: "/var/run/etcd" },
          { name: "data", mountPath: "/sub", subPath: "s" },
          { name: "gone", mountPath: "/x" },
        ],
      },
      again.dirs,
    );
    expect(mounts).toEqual([
      { mountPath: "/var/run/etcd", hostPath: join(dir, "data") },
      { mountPath: "/sub", hostPath: join(dir, "data", "s") },
    ]);
    expect(statSync(join(dir, "data", "s")).isDirectory()).toBe(true);
  });

  it("refuses missing sources unless optional, and paths leaving the volume", () => {
    expect(() => setUpVolumes(dir, "default", [{ name: "s", secret: { secretName: "absent" } }], sources)).toThrow(
      VolumeSetupError,
    );
    expect(() =>
      setUpVolumes(dir, "default", [{ name: "s", secret: { secretName: "absent", optional: true } }], sources),
    ).not.toThrow();
    expect(() =>
      setUpVolumes(
        dir,
        "default",
        [{ name: "c", configMap: { name: "conf", items: [{ key: "etcd.conf", path: "../escape" }] } }],
        sources,
      ),
    ).toThrow(VolumeSetupError);
    expect(() =>
      setUpVolumes(
        dir,
        "default",
        [{ name: "c", configMap: { name: "conf", items: [{ key: "missing", path: "m" }] } }],
        sources,
      ),
    ).toThrow("references non-existent key missing");
  });

  it("mounts a bound claim's own folder, and keeps the Pod waiting for one being deleted", () => {
    try {
      const setup = setUpVolumes(
        dir,
        "default",
        [{ name: "v", persistentVolumeClaim: { claimName: "data" } }],
        sources,
      );
      expect(setup.dirs.get("v")).toBe(claimDir);
      expect(statSync(claimDir).isDirectory()).toBe(true);
      expect(() =>
        setUpVolumes(dir, "default", [{ name: "v", persistentVolumeClaim: { claimName: "old" } }], sources),
      ).toThrow('MountVolume.SetUp failed for volume "v" : persistentvolumeclaim "old" is being deleted');
    } finally {
      rmSync(claimDir, { recursive: true, force: true });
    }
  });
});
