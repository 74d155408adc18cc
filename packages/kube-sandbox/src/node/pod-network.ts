import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { hostRoutes } from "./host-routes.js";
import { formatIpv4, formatRange, parseIpv4, rangeContains, rangeSize, type Ipv4Range } from "./ipv4-range.js";
import { IsolationError } from "./isolation-error.js";
import {
  bridgeName,
  hostVethName,
  MAX_POD_NUMBER,
  netnsName,
  networkPrefix,
  newNetworkId,
  podVethName,
} from "./network-names.js";
import { claimNetworkOwnership, releaseNetworkOwnership } from "./network-owner.js";
import { networkExists, teardownNetwork } from "./network-teardown.js";
import { ATTACH_POD_SCRIPT } from "./pod-attach-script.js";
import { claimRanges, type ClaimRangesOptions, type RangeClaim } from "./range-claim.js";
import { runTool } from "./run-tool.js";

/** How `PodNetwork.create` sets up a sandbox's Pod network. */
export type PodNetworkOptions = ClaimRangesOptions;

/** One Pod's place on the network. */
export interface PodAttachment {
  /** Named network namespace (`ip netns`), where the Pod's processes run. */
  readonly netns: string;
  /** The Pod's address, on `eth0` inside the namespace. */
  readonly ip: string;
  /** Host end of the Pod's veth pair, a port of the bridge. */
  readonly hostInterface: string;
}

/**
 * A sandbox's Pod network: a bridge of its own holding the gateway (first) address of the Pod range, so the
 * host reaches every Pod address directly, and per Pod a network namespace joined to the bridge by a veth
 * pair. Pods route only to the Pod range (on-link) and the Service range (via the gateway): no default
 * route, no NAT, and the bridge does not forward to other interfaces (IPv4 forwarding off on it, IPv6 off).
 * No sysctl of the host as a whole is changed: the ones set belong to interfaces and namespaces the
 * network creates and go with them.
 */
export class PodNetwork {
  private readonly pods = new Map<string, { n: number; address: number }>();
  private nextNumber = 1;
  /** The address handed out last; the next Pod gets the first free one after it, as host-local IPAM does. */
  private lastAddress: number | undefined;
  private closed = false;

  private constructor(
    /** The short unique id every name of this network carries (see `network-names.ts`). */
    readonly id: string,
    private readonly claim: RangeClaim,
  ) {}

  /**
   * Claims ranges (see `claimRanges`) and creates the bridge. Throws `IsolationError` when a range clashes or
   * a command fails; whatever was created by then is removed again.
   */
  static async create(options: PodNetworkOptions = {}): Promise<PodNetwork> {
    const claim = claimRanges(await hostRoutes(), options);
    let id: string;
    try {
      id = unusedNetworkId();
    } catch (err) {
      claim.release();
      throw err;
    }
    const network = new PodNetwork(id, claim);
    try {
      await runTool("ip", ["link", "add", network.bridge, "type", "bridge"]);
    } catch (err) {
      // Nothing carries the id yet, so there is nothing to tear down.
      claim.release();
      releaseNetworkOwnership(id);
      throw err;
    }
    try {
      await network.configureBridge();
    } catch (err) {
      network.close();
      throw err;
    }
    return network;
  }

  /** The bridge's name. */
  get bridge(): string {
    return bridgeName(this.id);
  }

  /** The Pod range, e.g. `10.23.4.0/24`. */
  get podRange(): string {
    return formatRange(this.claim.podRange);
  }

  /** The Service range reserved next to the Pod range. */
  get serviceRange(): string {
    return formatRange(this.claim.serviceRange);
  }

  /** The bridge's address, the Pods' gateway to the Service range. */
  get gateway(): string {
    return formatIpv4(this.claim.podRange.base + 1);
  }

  /** The prefix of every name this network creates. */
  get prefix(): string {
    return networkPrefix(this.id);
  }

  /**
   * Gives a Pod a network namespace with `lo` and `eth0` up, `eth0` holding `ip` (default: the first free
   * address after the one handed out last, so an address is not reused while the host may still hold the
   * old Pod's MAC for it) and joined to the bridge. Throws `IsolationError` when the address is outside
   * the range or taken, or a command fails; whatever was created by then is removed again.
   */
  async addPod(ip?: string): Promise<PodAttachment> {
    if (this.closed) throw new IsolationError(`network ${this.prefix} is closed`);
    const address = ip === undefined ? this.freeAddress() : this.checkedAddress(ip);
    if (this.nextNumber > MAX_POD_NUMBER) throw new IsolationError(`network ${this.prefix} has run out of Pod names`);
    const n = this.nextNumber++;
    this.lastAddress = address;
    const attachment: PodAttachment = {
      netns: netnsName(this.id, n),
      ip: formatIpv4(address),
      hostInterface: hostVethName(this.id, n),
    };
    this.pods.set(attachment.netns, { n, address });
    try {
      await this.attach(attachment, podVethName(this.id, n));
    } catch (err) {
      await this.removePod(attachment.netns).catch(() => {});
      throw err;
    }
    return attachment;
  }

  /** Whether `ip` is a Pod address of this network that no Pod holds. */
  isFreePodAddress(ip: string): boolean {
    try {
      this.checkedAddress(ip);
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes a Pod's namespace (and with it its veth pair) and frees its address. Kills what still runs in it. */
  async removePod(netns: string): Promise<void> {
    const pod = this.pods.get(netns);
    if (!pod) return;
    const pids = (await runTool("ip", ["netns", "pids", netns]).catch(() => "")).split(/\s+/).filter(Boolean);
    for (const pid of pids) killQuietly(Number(pid));
    await runTool("ip", ["netns", "delete", netns]).catch(() => {});
    // The namespace goes once its last process has; the veth pair is removed now either way.
    await runTool("ip", ["link", "delete", hostVethName(this.id, pod.n)]).catch(() => {});
    this.pods.delete(netns);
  }

  /** Removes every namespace and interface of the network and releases its ranges. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      teardownNetwork(this.id);
    } finally {
      this.claim.release();
      releaseNetworkOwnership(this.id);
    }
  }

  private async configureBridge(): Promise<void> {
    const bridge = this.bridge;
    setInterfaceSysctls(bridge);
    writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/forwarding`, "0");
    // A bridge without an address of its own takes the lowest MAC of its ports and changes it when that port
    // goes: every Pod's cached MAC of the gateway would then lead nowhere until its ARP entry expired.
    await ipBatch([
      `link set ${bridge} address ${localMacAddress()}`,
      `addr add ${this.gateway}/${this.claim.podRange.prefix} dev ${bridge}`,
      `link set ${bridge} up`,
      // The host's own packets to a Service address nothing serves (yet) stay on the bridge, unanswered,
      // instead of following the default route out; served ones are local addresses, which win over this route.
      `route add ${this.serviceRange} dev ${bridge}`,
    ]);
  }

  private async attach(pod: PodAttachment, podVeth: string): Promise<void> {
    // Each program run is a process start, most of a Pod's network set-up: one shell runs them all (an `ip
    // -batch` per side, the sysctls by the shell itself), so the sandbox starts one process per Pod, not four.
    const hostSide = [
      `link set ${pod.hostInterface} master ${this.bridge} up`,
      // An address used before may still map to the old Pod's MAC in the host's neighbour table.
      `neigh flush to ${pod.ip} dev ${this.bridge}`,
    ];
    const podSide = [
      `link set ${podVeth} name eth0`,
      `addr add ${pod.ip}/${this.claim.podRange.prefix} dev eth0`,
      "link set lo up",
      "link set eth0 up",
      `route add ${this.serviceRange} via ${this.gateway} dev eth0`,
    ];
    const created = [
      `netns add ${pod.netns}`,
      `link add ${pod.hostInterface} type veth peer name ${podVeth} netns ${pod.netns}`,
    ];
    const batches = [created, podSide, hostSide].map((commands) => commands.join("\n"));
    await runTool(
      "sh",
      ["-c", ATTACH_POD_SCRIPT, "attach-pod", pod.netns, pod.hostInterface, ...batches],
      undefined,
      `setting up the network namespace ${pod.netns}`,
    );
  }

  private freeAddress(): number {
    const range = this.claim.podRange;
    const taken = new Set([...this.pods.values()].map((pod) => pod.address));
    // .0 is the network, the first address the gateway, the last the broadcast.
    const first = range.base + 2;
    const count = rangeSize(range.prefix) - 3;
    const start = this.lastAddress === undefined ? 0 : this.lastAddress - first + 1;
    for (let i = 0; i < count; i++) {
      const address = first + ((start + i) % count);
      if (!taken.has(address)) return address;
    }
    throw new IsolationError(`Pod range ${this.podRange} has no free address left`);
  }

  private checkedAddress(ip: string): number {
    const address = parseIpv4(ip);
    const range: Ipv4Range = this.claim.podRange;
    const last = range.base + rangeSize(range.prefix) - 1;
    if (!rangeContains(range, address) || address <= range.base + 1 || address >= last)
      throw new IsolationError(`${ip} is not a Pod address of ${this.podRange} (gateway ${this.gateway})`);
    if ([...this.pods.values()].some((pod) => pod.address === address))
      throw new IsolationError(`${ip} is taken by another Pod`);
    return address;
  }
}

/** A fresh id that no namespace or interface of this host carries yet, recorded as owned by this process. */
function unusedNetworkId(): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const id = newNetworkId();
    if (networkExists(id) || !claimNetworkOwnership(id)) continue;
    // Another process may have created it between the look and the record.
    if (!networkExists(id)) return id;
    releaseNetworkOwnership(id);
  }
  throw new IsolationError("no unused Pod network id after 8 attempts");
}

/** A random locally administered unicast MAC address (`02:...` style: bit 1 of the first octet set, bit 0 clear). */
export function localMacAddress(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(":");
}

/** IPv6 off on a host-side interface of ours, before it comes up: the Pod network is IPv4 only. */
function setInterfaceSysctls(name: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, "1");
}

/** Runs `commands` with one `ip -batch`; it stops at the first failure. */
async function ipBatch(commands: readonly string[]): Promise<void> {
  await runTool("ip", ["-batch", "-"], `${commands.join("\n")}\n`);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
