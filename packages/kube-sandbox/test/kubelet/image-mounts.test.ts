import { describe, expect, it } from "vitest";
import { imageHostMounts } from "../../src/kubelet/image-mounts.js";

describe("imageHostMounts", () => {
  const tmp = { hostPath: "/sandbox/pods/p/volumes/tmp", mountPath: "/tmp", readOnly: false };
  const config = { hostPath: "/sandbox/pods/p/volumes/config", mountPath: "/etc/app", readOnly: true };

  it("mounts a folder a volume would hide at its own path, read-only, with its mount point made in the volume", () => {
    const made: string[] = [];
    const extra = imageHostMounts([tmp, config], ["/tmp/checkout", "/tmp/checkout/"], (path) => made.push(path));
    expect(extra).toEqual([{ hostPath: "/tmp/checkout", mountPath: "/tmp/checkout", readOnly: true }]);
    expect(made).toEqual(["/sandbox/pods/p/volumes/tmp/checkout"]);
  });

  it("leaves alone folders no volume hides, and never matches a folder that only shares a prefix", () => {
    const made: string[] = [];
    expect(imageHostMounts([tmp], ["/work/checkout", "/tmpfiles/node"], (path) => made.push(path))).toEqual([]);
    expect(made).toEqual([]);
  });

  it("takes the deepest volume over a folder and needs no mount point for a volume at the folder itself", () => {
    const made: string[] = [];
    const nested = { hostPath: "/sandbox/pods/p/volumes/cache", mountPath: "/tmp/cache", readOnly: false };
    const extra = imageHostMounts([tmp, nested], ["/tmp/cache/node", "/tmp/cache"], (path) => made.push(path));
    expect(extra.map((m) => m.mountPath)).toEqual(["/tmp/cache/node", "/tmp/cache"]);
    expect(made).toEqual(["/sandbox/pods/p/volumes/cache/node"]);
  });
});
