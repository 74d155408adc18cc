import { describe, expect, it } from "vitest";
import {
  buildContainerCommand,
  imageEntrypoint,
  resolveCommand,
} from "../../../src/sandbox/kubelet/container-command.js";
import { ContainerStartError } from "../../../src/sandbox/kubelet/errors.js";
import { resolveExecutable } from "../../../src/sandbox/kubelet/executable.js";

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
    );
    expect(command).toEqual({ file: shPath, args: ["-c", "ls /host/v/x --dir=/host/v/y"], argv0: "/opt/bin/sh" });
  });

  it("uses the etcd entrypoint for etcd images and fails for others", () => {
    expect(imageEntrypoint("registry.k8s.io/etcd:3.5.12-0")).toEqual(["etcd"]);
    expect(imageEntrypoint("busybox")).toBeUndefined();
    expect(() => buildContainerCommand({ name: "c", image: "busybox" }, new Map(), [], searchPath)).toThrow(
      ContainerStartError,
    );
  });

  it("names the missing executable", () => {
    expect(() => resolveCommand(["nope-not-here"], searchPath)).toThrow(
      'exec: "nope-not-here": executable file not found in $PATH',
    );
  });
});
