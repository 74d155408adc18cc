import { readdirSync } from "node:fs";
import { IsolationError } from "./isolation-error.js";
import { isNetworkId, networkPrefix } from "./network-names.js";
import { runToolSync } from "./run-tool.js";

/** Where `ip netns add` names network namespaces. */
const NETNS_DIRECTORY = "/run/netns";
/** One entry per interface of the network namespace sysfs was mounted in. */
const SYSFS_INTERFACES = "/sys/class/net";

/**
 * The named network namespaces: the entries of `/run/netns`, which is what `ip netns list` reads (read here
 * without starting a process).
 */
function listNetns(): string[] {
  try {
    return readdirSync(NETNS_DIRECTORY);
  } catch (err) {
    // No namespace was ever named on this machine.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** The interfaces of this network namespace: `/sys/class/net`, or `ip link` where sysfs is not there to read. */
function listLinks(): string[] {
  try {
    return readdirSync(SYSFS_INTERFACES);
  } catch {
    const links = JSON.parse(runToolSync("ip", ["-j", "link", "show"])) as { ifname?: string }[];
    return links.map((link) => link.ifname ?? "").filter(Boolean);
  }
}

/** SIGKILLs every process still in a network namespace, e.g. one started there by hand, which nothing else tracks. */
function killProcessesIn(netns: string): void {
  const pids = runToolSync("ip", ["netns", "pids", netns]).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/** The names of every network namespace and interface of the host. */
export function listNetworkNames(): string[] {
  return [...listNetns(), ...listLinks()];
}

/** Whether a network namespace or interface of the host carries the names of network `id`. */
export function networkExists(id: string): boolean {
  const prefix = networkPrefix(id);
  return listNetworkNames().some((name) => name.startsWith(prefix));
}

/**
 * Removes everything network `id` created, found by name alone so that it also works after its owner was
 * SIGKILLed (the process guard's watchdog calls it): kills what still runs in its Pod namespaces, deletes
 * those namespaces (and their `/run/netns` mounts), then every interface whose name carries the prefix
 * (veth ends never moved, and the bridge). Synchronous, and safe to call twice. Throws `IsolationError`
 * listing what could not be removed after trying everything.
 */
export function teardownNetwork(id: string): void {
  if (!isNetworkId(id)) throw new IsolationError(`not a network id: ${JSON.stringify(id)}`);
  const prefix = networkPrefix(id);
  const failures: string[] = [];
  for (const netns of listNetns().filter((name) => name.startsWith(prefix))) {
    try {
      killProcessesIn(netns);
      runToolSync("ip", ["netns", "delete", netns]);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  for (const link of listLinks().filter((name) => name.startsWith(prefix))) {
    try {
      runToolSync("ip", ["link", "delete", link]);
    } catch (err) {
      // Deleting one end of a veth pair deletes the other: that one is gone by the time we get to it.
      if (listLinks().includes(link)) failures.push((err as Error).message);
    }
  }
  if (failures.length > 0) throw new IsolationError(`network ${prefix} not fully removed: ${failures.join("; ")}`);
}
