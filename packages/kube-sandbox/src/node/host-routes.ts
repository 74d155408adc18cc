import {
  formatIpv4,
  formatRange,
  parseIpv4,
  parseRange,
  rangeSize,
  rangesOverlap,
  type Ipv4Range,
} from "./ipv4-range.js";
import { IsolationError } from "./isolation-error.js";
import { runTool } from "./run-tool.js";

/** One IPv4 route of the host, in any routing table. */
export interface HostRoute {
  /** Destination range (a local address is a /32). */
  readonly range: Ipv4Range;
  /** The route as `ip` shows it, for messages. */
  readonly description: string;
}

interface IpRouteJson {
  dst?: string;
  dev?: string;
  table?: string;
  type?: string;
}

/**
 * Every IPv4 route of the host's network namespace, in all tables (main, local, ...), except default routes:
 * a default route covers everything and says nothing about which ranges are in use.
 */
export async function hostRoutes(): Promise<HostRoute[]> {
  const parsed = JSON.parse(await runTool("ip", ["-4", "-j", "route", "show", "table", "all"])) as IpRouteJson[];
  const routes: HostRoute[] = [];
  for (const route of parsed) {
    if (route.dst === undefined || route.dst === "default") continue;
    const range = routeRange(route.dst);
    if (range.prefix === 0) continue;
    routes.push({
      range,
      description: `${route.type ?? "unicast"} ${route.dst} dev ${route.dev ?? "?"} table ${route.table ?? "main"}`,
    });
  }
  return routes;
}

/** Throws `IsolationError` naming the first host route that shares an address with `range`. */
export function refuseOverlap(range: Ipv4Range, routes: readonly HostRoute[], what: string): void {
  const clash = routes.find((route) => rangesOverlap(route.range, range));
  if (clash) throw new IsolationError(`${what} ${formatRange(range)} overlaps the host route "${clash.description}"`);
}

/** `ip` prints some destinations with host bits set (e.g. `127.0.0.1` in table local): normalise to a range. */
function routeRange(dst: string): Ipv4Range {
  const [address = "", prefixText = "32"] = dst.split("/");
  const prefix = Number(prefixText);
  const value = parseIpv4(address);
  return parseRange(`${formatIpv4(value - (value % rangeSize(prefix)))}/${prefix}`);
}
