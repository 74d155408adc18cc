import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRange, rangesOverlap } from "../../src/node/ipv4-range.js";
import { PodNetwork } from "../../src/node/pod-network.js";
import { runningAsRoot } from "./isolation-harness.js";

function ip(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile("ip", args, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim())));
}

describe.runIf(runningAsRoot)("several Pod networks at once (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "several-networks-test-"));
  const networks: PodNetwork[] = [];

  afterAll(() => {
    for (const network of networks) network.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("share no name, no range and no route", async () => {
    for (let i = 0; i < 2; i++) networks.push(await PodNetwork.create({ lockDirectory: join(scratch, "locks") }));
    const [a, b] = networks as [PodNetwork, PodNetwork];
    expect(a.bridge).not.toBe(b.bridge);
    for (const network of networks) expect(network.bridge.length).toBeLessThanOrEqual(15);
    const ranges = [a.podRange, a.serviceRange, b.podRange, b.serviceRange].map(parseRange);
    for (const [i, range] of ranges.entries()) {
      for (const other of ranges.slice(i + 1)) expect(rangesOverlap(range, other)).toBe(false);
    }

    const podA = await a.addPod();
    const podB = await b.addPod();
    expect(podA.netns).not.toBe(podB.netns);
    expect(podA.hostInterface.length).toBeLessThanOrEqual(15);
    // Checked with the routing tables alone: nothing is sent.
    expect(await ip(["-n", podA.netns, "route", "get", podB.ip])).toBe("RTNETLINK answers: Network is unreachable");
    expect(await ip(["route", "get", podA.ip])).toContain(`dev ${a.bridge} `);
    expect(await ip(["route", "get", podB.ip])).toContain(`dev ${b.bridge} `);
  });

  it("refuses a Pod address outside its range or already taken", async () => {
    const network = networks[0]!;
    await expect(network.addPod(network.gateway)).rejects.toThrow(`${network.gateway} is not a Pod address`);
    await expect(network.addPod("192.0.2.77")).rejects.toThrow("192.0.2.77 is not a Pod address");
    const base = network.podRange.replace(/\.0\/24$/, "");
    const pod = await network.addPod(`${base}.200`);
    expect(pod.ip).toBe(`${base}.200`);
    await expect(network.addPod(`${base}.200`)).rejects.toThrow(`${base}.200 is taken by another Pod`);
    await network.removePod(pod.netns);
    expect(await ip(["netns", "list"])).not.toContain(pod.netns);
    expect((await network.addPod(`${base}.200`)).ip).toBe(`${base}.200`);
  });
});
