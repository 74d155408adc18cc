import { randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireBlockLock, releaseBlockLock } from "../network/block-lock.js";
import { refuseOverlap, type HostRoute } from "./host-routes.js";
import { formatIpv4, parseRange, rangeSize, rangesOverlap, type Ipv4Range } from "./ipv4-range.js";
import { IsolationError } from "./isolation-error.js";

/** Where the locks of claimed ranges live by default, shared by every sandbox of this machine. */
export function defaultRangeLockDirectory(): string {
  return join(tmpdir(), "kube-sandbox-pod-ranges");
}

/** Private ranges a random claim picks from. */
const POOLS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseRange);

/** Smallest and largest prefix accepted for a Pod or Service range. */
const PREFIX_LIMITS = { widest: 16, narrowest: 28 };

/** A Pod range and a Service range held by this process, with the locks that keep other sandboxes off them. */
export interface RangeClaim {
  /** Where Pods get addresses; the first usable address is the gateway on the bridge. */
  readonly podRange: Ipv4Range;
  /** Reserved for Service addresses; Pods route it through the gateway. */
  readonly serviceRange: Ipv4Range;
  /** Releases the locks. Safe to call twice. */
  release(): void;
}

/** How `claimRanges` chooses. */
export interface ClaimRangesOptions {
  /** Pod range, e.g. `10.44.0.0/24`; with `serviceRange`. Default: a random free /24 of a private range. */
  podRange?: string;
  /** Service range; with `podRange`. Default: the /24 right after the random Pod /24. */
  serviceRange?: string;
  /** Directory of the lock files; default `kube-sandbox-pod-ranges` in the system temp directory. */
  lockDirectory?: string;
  /** Random pairs tried before giving up; default 64. */
  attempts?: number;
}

/**
 * Claims a Pod and a Service range that overlap no host route, each other, nor another sandbox's ranges
 * (a lock file per /24 they touch, the block lock of the loopback address blocks). Explicit ranges are
 * checked and refused with `IsolationError` when they clash; random ones are retried.
 */
export function claimRanges(routes: readonly HostRoute[], options: ClaimRangesOptions = {}): RangeClaim {
  const directory = options.lockDirectory ?? defaultRangeLockDirectory();
  if ((options.podRange === undefined) !== (options.serviceRange === undefined))
    throw new IsolationError("podRange and serviceRange are given together or not at all");
  if (options.podRange !== undefined && options.serviceRange !== undefined) {
    const pods = checkedRange(options.podRange, "Pod range");
    const services = checkedRange(options.serviceRange, "Service range");
    if (rangesOverlap(pods, services))
      throw new IsolationError(`Pod range ${options.podRange} overlaps Service range ${options.serviceRange}`);
    refuseOverlap(pods, routes, "Pod range");
    refuseOverlap(services, routes, "Service range");
    const claim = lockPair(directory, pods, services);
    if (!claim) throw new IsolationError(`${options.podRange} or ${options.serviceRange} is held by another sandbox`);
    return claim;
  }
  const attempts = options.attempts ?? 64;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const pair = randomPair();
    if (routes.some((route) => rangesOverlap(route.range, pair))) continue;
    const claim = lockPair(directory, { base: pair.base, prefix: 24 }, { base: pair.base + 256, prefix: 24 });
    if (claim) return claim;
  }
  throw new IsolationError(`no free private /23 for Pods and Services after ${attempts} attempts`);
}

function checkedRange(text: string, what: string): Ipv4Range {
  const range = parseRange(text);
  if (range.prefix < PREFIX_LIMITS.widest || range.prefix > PREFIX_LIMITS.narrowest)
    throw new IsolationError(
      `${what} ${text} must have a prefix of /${PREFIX_LIMITS.widest} to /${PREFIX_LIMITS.narrowest}`,
    );
  return range;
}

/** A random /23 of a random private pool. */
function randomPair(): Ipv4Range {
  const pool = POOLS[randomInt(POOLS.length)]!;
  const pairs = rangeSize(pool.prefix) / 512;
  return { base: pool.base + randomInt(pairs) * 512, prefix: 23 };
}

/** Lock names (`A.B.C`) of every /24 a range touches. */
function lockNames(range: Ipv4Range): string[] {
  const first = Math.floor(range.base / 256);
  const count = Math.max(1, rangeSize(range.prefix) / 256);
  return Array.from({ length: count }, (_, i) => formatIpv4((first + i) * 256).replace(/\.0$/, ""));
}

function lockPair(directory: string, podRange: Ipv4Range, serviceRange: Ipv4Range): RangeClaim | undefined {
  const held: string[] = [];
  const releaseAll = (): void => {
    for (const name of held.splice(0)) releaseBlockLock(directory, name);
  };
  for (const name of [...lockNames(podRange), ...lockNames(serviceRange)]) {
    if (!acquireBlockLock(directory, name)) {
      releaseAll();
      return undefined;
    }
    held.push(name);
  }
  return { podRange, serviceRange, release: releaseAll };
}
