import { Resolver } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type PodNetworkInfo, type Sandbox } from "../../src/index.js";
import { formatIpv4, parseRange, rangeContains, parseIpv4 } from "../../src/node/ipv4-range.js";
import { kubectl, kubectlApply } from "../support.js";
import { interfacesNamed, ip, IpCommandError, namespacesNamed } from "./host-network-state.js";
import { firewallListings, forwardingSysctls, runningAsRoot } from "./isolation-harness.js";

/** Two sleeping busybox Pods and a Service in front of them. */
const WORKLOAD = `
apiVersion: v1
kind: Pod
metadata: { name: first, labels: { app: safe } }
spec: { containers: [{ name: main, image: busybox, command: [sleep, "3600"] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: second, labels: { app: safe } }
spec: { containers: [{ name: main, image: busybox, command: [sleep, "3600"] }] }
---
apiVersion: v1
kind: Service
metadata: { name: safe }
spec:
  selector: { app: safe }
  ports: [{ port: 80, targetPort: 8080 }]
`;

/** Matches text that starts with `prefix`, taken literally. */
function startingWith(prefix: string): RegExp {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
}

/** A running Pod as these checks need it. */
interface PodOnNetwork {
  ip: string;
  /** The Pod's network namespace, as `ip netns` names it. */
  netns: string;
}

// Every check here asks the kernel how it would route (`ip route get`) or reads settings: no packet is sent,
// but the one DNS query to the sandbox's own server, an address of its bridge.
describe.runIf(runningAsRoot)("the isolated Pod network's safety (needs root, skipped otherwise)", () => {
  const sysctlsBefore = forwardingSysctls();
  let rulesetsBefore: string[];
  let dir: string;
  let sandbox: Sandbox;
  let network: PodNetworkInfo;
  let gateway: string;
  let serviceIP: string;
  const pods: Record<string, PodOnNetwork> = {};

  beforeAll(async () => {
    rulesetsBefore = await firewallListings();
    dir = await mkdtemp(join(tmpdir(), "pod-network-safety-"));
    sandbox = await startSandbox({ dir, isolation: "namespaces" });
    expect(sandbox.podNetwork).toBeDefined();
    network = sandbox.podNetwork!;
    gateway = formatIpv4(parseRange(network.podRange).base + 1);
    const applied = await kubectlApply(sandbox.kubeconfig, join(dir, "workload.yaml"), WORKLOAD);
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(sandbox.kubeconfig, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
    expect(ready.code, ready.stderr).toBe(0);
    for (const name of ["first", "second"]) {
      const status = sandbox.store.get("pods", "default", name)?.status as {
        podIP: string;
        containerStatuses: { containerID: string }[];
      };
      const pid = status.containerStatuses[0]!.containerID.replace("sandbox://", "");
      pods[name] = { ip: status.podIP, netns: (await ip("netns", "identify", pid)).trim() };
    }
    serviceIP = (sandbox.store.get("services", "default", "safe")?.spec as { clusterIP: string }).clusterIP;
  }, 90_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("puts each Pod in a namespace of the sandbox, on an address of its Pod range, with a Service of its range", () => {
    for (const pod of Object.values(pods)) {
      expect(pod.netns.startsWith(`${network.bridge}-`), pod.netns).toBe(true);
      expect(rangeContains(parseRange(network.podRange), parseIpv4(pod.ip)), pod.ip).toBe(true);
    }
    expect(rangeContains(parseRange(network.serviceRange), parseIpv4(serviceIP)), serviceIP).toBe(true);
  });

  it("routes a Pod only to its range, on-link, and the Service range, via the bridge: no default route", async () => {
    const { netns } = pods.first!;
    const routes = JSON.parse(await ip("-n", netns, "-j", "route", "show")) as { dst: string; gateway?: string }[];
    expect(routes.map((route) => [route.dst, route.gateway])).toEqual([
      [network.podRange, undefined],
      [network.serviceRange, gateway],
    ]);
    const outside = ip("-n", netns, "route", "get", "1.1.1.1");
    await expect(outside).rejects.toBeInstanceOf(IpCommandError);
    await expect(outside).rejects.toThrow(/Network is unreachable/);
    expect(await ip("-n", netns, "route", "get", serviceIP)).toMatch(
      startingWith(`${serviceIP} via ${gateway} dev eth0 src ${pods.first!.ip} `),
    );
    const other = await ip("-n", netns, "route", "get", pods.second!.ip);
    expect(other).toMatch(startingWith(`${pods.second!.ip} dev eth0 src ${pods.first!.ip} `));
    expect(other).not.toContain(" via ");
  });

  it("reaches Pods from the host through the bridge, which forwards nothing and has only the Pods' veths", async () => {
    expect(await ip("route", "get", pods.second!.ip)).toMatch(
      startingWith(`${pods.second!.ip} dev ${network.bridge} src ${gateway} `),
    );
    expect(readFileSync(`/proc/sys/net/ipv4/conf/${network.bridge}/forwarding`, "utf8").trim()).toBe("0");
    const ports = (JSON.parse(await ip("-j", "link", "show", "master", network.bridge)) as { ifname: string }[]).map(
      (link) => link.ifname,
    );
    expect(ports).toHaveLength(2);
    for (const port of ports) expect(port).toMatch(new RegExp(`^${network.bridge}h\\d+$`));
  });

  it("leaves the host's forwarding settings and firewall rulesets as they were", async () => {
    expect(forwardingSysctls()).toEqual(sysctlsBefore);
    expect(await firewallListings()).toEqual(rulesetsBefore);
  });

  it("answers the cluster's names and refuses any other, never forwarding it", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${sandbox.dns.host}:${sandbox.dns.port}`]);
    expect(await resolver.resolve4("safe.default.svc.cluster.local")).toEqual([serviceIP]);
    await expect(resolver.resolve4("example.com")).rejects.toMatchObject({ code: "EREFUSED" });
  });

  it("once stopped, leaves no namespace or interface, and every setting and ruleset as before", async () => {
    await sandbox.stop();
    expect(await namespacesNamed(network.bridge)).toEqual([]);
    expect(await interfacesNamed(network.bridge)).toEqual([]);
    expect(forwardingSysctls()).toEqual(sysctlsBefore);
    expect(await firewallListings()).toEqual(rulesetsBefore);
  });
});
