import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

/** Runs `ip ARGS` and resolves to what it printed; rejects with its error output when it fails. */
export function ip(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ip", args, { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(new IpCommandError(args, stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}

/** `ip ARGS` failed; `message` holds what it said. */
export class IpCommandError extends Error {
  override readonly name = "IpCommandError";

  constructor(
    /** The arguments `ip` ran with. */
    readonly args: string[],
    /** What `ip` wrote to its error output. */
    readonly output: string,
  ) {
    super(`ip ${args.join(" ")}: ${output}`);
  }
}

/** Whether a process runs; a zombie (ended, not yet reaped) counts as gone. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The network namespaces (`ip netns`) whose names start with `prefix`. */
export async function namespacesNamed(prefix: string): Promise<string[]> {
  return (await ip("netns", "list"))
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
}

/** The host's interfaces whose names start with `prefix`. */
export async function interfacesNamed(prefix: string): Promise<string[]> {
  const links = JSON.parse(await ip("-j", "link", "show")) as { ifname: string }[];
  return links.map((link) => link.ifname).filter((name) => name.startsWith(prefix));
}

/** One route of `ip -j route show table all`. */
interface Route {
  dst: string;
  dev?: string;
  table?: string;
}

/**
 * The host's routes, in every table, that go to an interface named with `prefix` or to one of `ranges`
 * (e.g. `10.1.2.0/24`), each as `DST dev DEV table TABLE`.
 */
export async function routesOf(prefix: string, ranges: string[]): Promise<string[]> {
  const routes = JSON.parse(await ip("-j", "route", "show", "table", "all")) as Route[];
  return routes
    .filter((route) => route.dev?.startsWith(prefix) || ranges.includes(route.dst))
    .map((route) => `${route.dst} dev ${route.dev ?? "-"} table ${route.table ?? "main"}`);
}

/** The IPv4 addresses on interface `dev`. */
export async function addressesOn(dev: string): Promise<string[]> {
  const [link] = JSON.parse(await ip("-j", "-4", "addr", "show", "dev", dev)) as {
    addr_info: { local: string }[];
  }[];
  return link?.addr_info.map((info) => info.local) ?? [];
}

/**
 * The mounts, in any process's mount namespace, whose line of `mountinfo` mentions `path`: a Pod's overlay
 * and volumes live in its own mount namespace, so the host's table alone would not show them.
 */
export async function mountsAnywhere(path: string): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let table: string;
    try {
      table = await readFile(`/proc/${entry}/mountinfo`, "utf8");
    } catch {
      continue; // The process has just ended.
    }
    for (const line of table.split("\n")) if (line.includes(path)) found.add(line);
  }
  return [...found];
}

/** The pids of the processes in network namespace `netns`. */
export async function pidsInNamespace(netns: string): Promise<number[]> {
  return (await ip("netns", "pids", netns)).split("\n").filter(Boolean).map(Number);
}
