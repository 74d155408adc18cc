import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { catalogWithBuiltIns } from "../../src/images/built-in-images.js";
import { parseImageReference } from "../../src/images/image-reference.js";
import { buildContainerCommand, containerArgv, resolveCommand } from "../../src/kubelet/container-command.js";
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
      undefined,
    );
    expect(command).toEqual({ file: shPath, args: ["-c", "ls /host/v/x --dir=/host/v/y"], argv0: "/opt/bin/sh" });
  });

  it("combines ENTRYPOINT and CMD with command and args as Kubernetes does", () => {
    const image = { entrypoint: ["entry", "-e"], cmd: ["default", "-c"] };
    expect(containerArgv(image, [], [])).toEqual(["entry", "-e", "default", "-c"]);
    expect(containerArgv(image, [], ["a1"])).toEqual(["entry", "-e", "a1"]);
    expect(containerArgv(image, ["own"], [])).toEqual(["own"]);
    expect(containerArgv(image, ["own"], ["a1", "a2"])).toEqual(["own", "a1", "a2"]);
    const cmdOnly = { entrypoint: [], cmd: ["sh"] };
    expect(containerArgv(cmdOnly, [], [])).toEqual(["sh"]);
    expect(containerArgv(cmdOnly, [], ["echo", "hi"])).toEqual(["echo", "hi"]);
    expect(containerArgv(undefined, [], ["echo"])).toEqual(["echo"]);
    expect(containerArgv({ entrypoint: [], cmd: [] }, [], [])).toEqual([]);
  });

  it("expands $(VAR) in command and args only, and rewrites mount paths everywhere", () => {
    const image = { entrypoint: ["sh", "-c", "echo $(HOME) /conf/x", "--"], cmd: [] };
    const command = buildContainerCommand(
      { name: "c", args: ["$(WHO)", "/conf/y"] },
      new Map([
        ["WHO", "me"],
        ["HOME", "/h"],
      ]),
      [{ mountPath: "/conf", hostPath: "/host/conf" }],
      searchPath,
      image,
    );
    expect(command).toEqual({
      file: shPath,
      args: ["-c", "echo $(HOME) /host/conf/x", "--", "me", "/host/conf/y"],
      argv0: "sh",
    });
  });

  it("fails with no command specified when neither the container nor its image says what to run", () => {
    expect(() =>
      buildContainerCommand({ name: "c", image: "scratch" }, new Map(), [], searchPath, { entrypoint: [], cmd: [] }),
    ).toThrow(new ContainerStartError("no command specified"));
  });

  it("runs the built-in Redis and curl entrypoints as their images' scripts do", () => {
    const bin = mkdtempSync(join(tmpdir(), "fake-programs-"));
    try {
      for (const program of ["redis-server", "curl"]) {
        writeFileSync(join(bin, program), `#!/bin/sh\necho ${program} "$@"\n`);
        chmodSync(join(bin, program), 0o755);
      }
      const path = `${bin}${delimiter}${searchPath}`;
      const run = (image: string, args: string[]) => {
        const config = catalogWithBuiltIns().find(parseImageReference(image));
        const command = buildContainerCommand({ name: "c", image, args }, new Map(), [], path, config);
        return execFileSync(command.file, command.args, { env: { PATH: path }, encoding: "utf8" }).trim();
      };
      expect(run("redis:7", [])).toBe("redis-server");
      expect(run("redis:7", ["--port", "7000"])).toBe("redis-server --port 7000");
      expect(run("redis:7", ["/etc/redis/redis.conf"])).toBe("redis-server /etc/redis/redis.conf");
      expect(run("redis:7", ["echo", "plain"])).toBe("plain");
      expect(run("curlimages/curl:8.11.1", [])).toBe("curl");
      expect(run("curlimages/curl:8.11.1", ["-sS", "http://x/"])).toBe("curl -sS http://x/");
      expect(run("curlimages/curl:8.11.1", ["http://x/"])).toBe("curl http://x/");
      expect(run("curlimages/curl:8.11.1", ["echo", "plain"])).toBe("plain");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("names the missing executable", () => {
    expect(() => resolveCommand(["nope-not-here"], searchPath)).toThrow(
      'exec: "nope-not-here": executable file not found in $PATH',
    );
  });
});
