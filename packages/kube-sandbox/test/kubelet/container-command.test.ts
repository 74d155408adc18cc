import { describe, expect, it } from "vitest";
import { buildContainerCommand, imageEntrypoint, resolveCommand } from "../../src/kubelet/container-command.js";
import { ContainerStartError } from "../../src/kubelet/errors.js";
import { resolveExecutable } from "../../src/kubelet/executable.js";

const searchPath = process.env.PATH ?? "/usr/bin:/bin";
const shPath = resolveExecutable("sh", searchPath);

describe("container commands", () => {
  it("runs an absolute path that exists as it is and looks up the base name of one that does not", () => {
    expect(shPath).toBeDefined();
    expect(resolveExecutable(shPath!, "")).toBe(shPath);
    expect(resolveExecutable("/usr/local/nowhere/sh", searchPath)).toBe(shPath);
    expect(resolveExecutable("no-such-binary-anywhere", searchPath)).toBeUndefined();
  });

  it("expands $(VAR), rewrites mount paths and resolves command[0]", () => {
    const command = buildContainerCommand(
      { name: "c", command: ["/opt/bin/sh", "-c"], args: ["ls /data/$(SUB) --dir=$(DIR)"] },
      new Map([
        ["SUB", "x"],
        ["DIR", "/data/y"],
      ]),
      [{ mountPath: "/data", hostPath: "/host/v" }],
      searchPath,
      [],
    );
    expect(command).toEqual({ file: shPath, args: ["-c", "ls /host/v/x --dir=/host/v/y"], argv0: "/opt/bin/sh" });
  });

  it("runs the catalog's entrypoint for an image without command and fails for an image it does not list", () => {
    const images = [{ image: /(^|\/)etcd:/, entrypoint: ["etcd"] }];
    expect(imageEntrypoint("registry.k8s.io/etcd:3.5.12-0", images)).toEqual(["etcd"]);
    expect(imageEntrypoint("busybox", images)).toBeUndefined();
    expect(imageEntrypoint("registry.k8s.io/etcd:3.5.12-0", [])).toBeUndefined();
    expect(() => buildContainerCommand({ name: "c", image: "busybox" }, new Map(), [], searchPath, images)).toThrow(
      ContainerStartError,
    );
  });

  it("names the missing executable", () => {
    expect(() => resolveCommand(["nope-not-here"], searchPath)).toThrow(
      'exec: "nope-not-here": executable file not found in $PATH',
    );
  });
});
