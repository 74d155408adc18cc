import { describe, expect, it } from "vitest";
import { rewriteMountPaths, type MountMapping } from "../../src/kubelet/mount-paths.js";

const mounts: MountMapping[] = [
  { mountPath: "/var/run/etcd", hostPath: "/host/pod/volumes/data" },
  { mountPath: "/var/run/etcd/certs", hostPath: "/host/pod/volumes/certs" },
  { mountPath: "/data/", hostPath: "/host/pod/volumes/scratch" },
];

describe("rewriteMountPaths", () => {
  it("rewrites a value that is a mount path or lies under one", () => {
    expect(rewriteMountPaths("/var/run/etcd", mounts)).toBe("/host/pod/volumes/data");
    expect(rewriteMountPaths("/var/run/etcd/default.etcd", mounts)).toBe("/host/pod/volumes/data/default.etcd");
    expect(rewriteMountPaths("/data", mounts)).toBe("/host/pod/volumes/scratch");
  });

  it("lets the longest mount path win", () => {
    expect(rewriteMountPaths("/var/run/etcd/certs/ca.crt", mounts)).toBe("/host/pod/volumes/certs/ca.crt");
    expect(rewriteMountPaths("/var/run/etcd/certsx", mounts)).toBe("/host/pod/volumes/data/certsx");
  });

  it("rewrites flag values and paths inside shell commands", () => {
    expect(rewriteMountPaths("--data-dir=/var/run/etcd/x", mounts)).toBe("--data-dir=/host/pod/volumes/data/x");
    expect(rewriteMountPaths("--trusted-ca-file=/var/run/etcd/certs/ca.crt", mounts)).toBe(
      "--trusted-ca-file=/host/pod/volumes/certs/ca.crt",
    );
    expect(rewriteMountPaths("echo 1 > /data/n; cat '/data/n'", mounts)).toBe(
      "echo 1 > /host/pod/volumes/scratch/n; cat '/host/pod/volumes/scratch/n'",
    );
  });

  it("leaves look-alike paths and other text alone", () => {
    expect(rewriteMountPaths("/database", mounts)).toBe("/database");
    expect(rewriteMountPaths("/srv/data", mounts)).toBe("/srv/data");
    expect(rewriteMountPaths("http://host:2379/data", mounts)).toBe("http://host:2379/data");
    expect(rewriteMountPaths("/var/run/etcd2", mounts)).toBe("/var/run/etcd2");
    expect(rewriteMountPaths("/data", [{ mountPath: "/", hostPath: "/elsewhere" }])).toBe("/data");
  });

  it("does not rewrite a host path again", () => {
    const nested: MountMapping[] = [{ mountPath: "/tmp", hostPath: "/tmp/kubelet/pods/p/volumes/tmp" }];
    expect(rewriteMountPaths("/tmp/x", nested)).toBe("/tmp/kubelet/pods/p/volumes/tmp/x");
  });
});
