import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IsolationError } from "../../src/node/isolation-error.js";
import { fstabField, podFstab } from "../../src/node/pod-init-script.js";
import { enterPodArgs, PodProcess, podHostname } from "../../src/node/pod-process.js";

const scratch = mkdtempSync(join(tmpdir(), "pod-process-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("PodProcess", () => {
  it("enters every namespace, the root and a working directory of the Pod's first process", () => {
    expect(enterPodArgs(4242, ["ps", "-e"], "/srv")).toEqual([
      ...["--target", "4242", "--mount", "--pid", "--uts", "--ipc", "--net", "--root", "--wdns=/srv"],
      ...["--", "setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--", "ps", "-e"],
    ]);
    expect(() => enterPodArgs(4242, ["ps"], "srv")).toThrow(IsolationError);
  });

  it("refuses volumes with relative paths, at /, or that climb out", async () => {
    for (const volume of [
      { hostPath: "data", mountPath: "/data", readOnly: false },
      { hostPath: "/data", mountPath: "/", readOnly: false },
      { hostPath: "/data", mountPath: "/a/../../b", readOnly: true },
    ]) {
      await expect(
        PodProcess.start({ name: "p", netns: "none", dataDir: join(scratch, "p"), volumes: [volume] }),
      ).rejects.toThrow(IsolationError);
    }
  });

  it("names the Pod's host as Kubernetes does", () => {
    expect(podHostname("etcd-0")).toBe("etcd-0");
    expect(podHostname(`${"a".repeat(62)}-b`)).toBe("a".repeat(62));
    expect(() => podHostname("---")).toThrow(IsolationError);
  });

  it("writes its mounts as fstab lines, white space and backslashes escaped as mount reads them", () => {
    expect(fstabField("/a b\\c\td")).toBe("/a\\040b\\134c\\011d");
    const { first, last } = podFstab("/p q/root", "/p q/upper", "/p q/work");
    expect(first.split("\n")).toEqual([
      "overlay /p\\040q/root overlay lowerdir=/,upperdir=/p\\040q/upper,workdir=/p\\040q/work 0 0",
      "proc /p\\040q/root/proc proc nosuid,nodev,noexec 0 0",
      "tmpfs /p\\040q/root/dev tmpfs nosuid,mode=755 0 0",
      "sysfs /p\\040q/root/sys sysfs ro,nosuid,nodev,noexec 0 0",
      "",
    ]);
    expect(last.split("\n")).toEqual([
      "devpts /p\\040q/root/dev/pts devpts newinstance,ptmxmode=0666,mode=620 0 0",
      "tmpfs /p\\040q/root/dev/shm tmpfs nosuid,nodev 0 0",
      "",
    ]);
  });

  it("refuses a network namespace name that leads out of /run/netns", async () => {
    for (const netns of ["../../proc/1/ns/net", "..", "a/b"]) {
      await expect(PodProcess.start({ name: "p", netns, dataDir: join(scratch, "n") })).rejects.toThrow(
        "not a network namespace name",
      );
    }
  });

  it("says why when the Pod cannot be set up", async () => {
    await expect(
      PodProcess.start({ name: "p", netns: "no-such-namespace", dataDir: join(scratch, "missing") }),
    ).rejects.toThrow(/^Pod setup failed \(exit 1\): nsenter: .*no-such-namespace/);
  });
});
