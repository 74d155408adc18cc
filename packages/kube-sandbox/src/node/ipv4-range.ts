import { IsolationError } from "./isolation-error.js";

/** An IPv4 range such as `10.20.30.0/24`: its first address as a 32-bit number and its prefix length. */
export interface Ipv4Range {
  /** The network address (host bits zero) as an unsigned 32-bit number. */
  readonly base: number;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted IPv4 address into an unsigned 32-bit number; throws `IsolationError` when malformed. */
export function parseIpv4(text: string): number {
  const match = DOTTED.exec(text);
  const octets = match?.slice(1).map(Number) ?? [];
  if (!match || octets.some((o) => o > 255)) throw new IsolationError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

/** The dotted form of an unsigned 32-bit address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Parses `A.B.C.D/P` (or a bare address, taken as /32); throws `IsolationError` when malformed or when
 * host bits are set, so a typo never silently widens or moves a range.
 */
export function parseRange(text: string): Ipv4Range {
  const [address = "", prefixText, ...rest] = text.split("/");
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || prefixText === "")
    throw new IsolationError(`not an IPv4 range: ${JSON.stringify(text)}`);
  const base = parseIpv4(address);
  if (base % rangeSize(prefix) !== 0)
    throw new IsolationError(
      `range ${text} has host bits set; its network address is ${formatIpv4(networkOf(base, prefix))}`,
    );
  return { base, prefix };
}

/** `A.B.C.D/P`. */
export function formatRange(range: Ipv4Range): string {
  return `${formatIpv4(range.base)}/${range.prefix}`;
}

/** Number of addresses in a range of this prefix length. */
export function rangeSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Whether two ranges share at least one address. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.base < b.base + rangeSize(b.prefix) && b.base < a.base + rangeSize(a.prefix);
}

/** Whether `address` lies in `range`. */
export function rangeContains(range: Ipv4Range, address: number): boolean {
  return address >= range.base && address < range.base + rangeSize(range.prefix);
}

function networkOf(address: number, prefix: number): number {
  return address - (address % rangeSize(prefix));
}
