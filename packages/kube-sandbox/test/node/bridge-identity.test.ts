import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localMacAddress, PodNetwork } from "../../src/node/pod-network.js";
import { runningAsRoot } from "./isolation-harness.js";

function ip(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile("ip", args, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim())));
}

/** The MAC address of an interface, as `ip -j link show` gives it. */
async function macOf(name: string, netns?: string): Promise<string> {
  const out = await ip([...(netns ? ["-n", netns] : []), "-j", "link", "show", name]);
  return (JSON.parse(out) as { address: string }[])[0]!.address;
}

describe("localMacAddress", () => {
  it("gives locally administered unicast addresses", () => {
    for (let i = 0; i < 50; i++) {
      const mac = localMacAddress();
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    }
  });
});

// A bridge that takes its ports' lowest MAC changes it when that port goes, and every Pod's cached MAC of the
// gateway then leads nowhere until the cache entry expires: Services (via the gateway) went silent for 30 s.
describe.runIf(runningAsRoot)("the Pod network's bridge (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "bridge-identity-test-"));
  let network: PodNetwork | undefined;

  afterAll(() => {
    network?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("keeps its own MAC address while Pods come and go", async () => {
    network = await PodNetwork.create({ lockDirectory: join(scratch, "locks") });
    const before = await macOf(network.bridge);
    const pods = [await network.addPod(), await network.addPod(), await network.addPod()];
    const veths = await Promise.all(pods.map((pod) => macOf(pod.hostInterface)));
    expect(veths).not.toContain(before);
    for (const pod of pods.slice(0, 2)) {
      await network.removePod(pod.netns);
      expect(await macOf(network.bridge)).toBe(before);
    }
    expect(await macOf(network.bridge)).toBe(before);
  });

  it("hands a new Pod an address no Pod used just before, as host-local IPAM does", async () => {
    const first = await network!.addPod();
    await network!.removePod(first.netns);
    const second = await network!.addPod();
    expect(second.ip).not.toBe(first.ip);
  });
});
