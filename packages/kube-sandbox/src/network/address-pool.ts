import { formatIpv4, parseIpv4, rangeSize, type Ipv4Range } from "../node/ipv4-range.js";
import { AddressBlockError } from "./address-block-error.js";

/**
 * The usable addresses of a range (all but its first and last), numbered from 1, handed out and taken back:
 * Services' cluster IPs, and on loopback Pods' addresses.
 */
export class AddressPool {
  private readonly taken = new Set<number>();
  /** How many addresses the pool holds. */
  readonly size: number;

  constructor(private readonly range: Ipv4Range) {
    this.size = rangeSize(range.prefix) - 2;
    if (this.size < 1) throw new AddressBlockError(`range /${range.prefix} holds no usable address`);
  }

  /** Address `n` (1..size) of the range. */
  address(n: number): string {
    if (!Number.isInteger(n) || n < 1 || n > this.size)
      throw new AddressBlockError(`address number must be 1..${this.size}, got ${n}`);
    return formatIpv4(this.range.base + n);
  }

  /** Whether `ip` is a usable address of the range. */
  contains(ip: string): boolean {
    return this.numberOf(ip) !== undefined;
  }

  /**
   * Takes the highest free address, for a Service without a fixed IP or a Pod without a Service; fixed
   * addresses are usually handed out from the bottom, so the two rarely meet.
   */
  allocate(): string {
    for (let n = this.size; n >= 1; n--) {
      if (!this.taken.has(n)) {
        this.taken.add(n);
        return this.address(n);
      }
    }
    throw new AddressBlockError(
      `address range ${formatIpv4(this.range.base)}/${this.range.prefix} has no free address left`,
    );
  }

  /** Takes a given address; false when it is outside the range or already taken. */
  reserve(ip: string): boolean {
    const n = this.numberOf(ip);
    if (n === undefined || this.taken.has(n)) return false;
    this.taken.add(n);
    return true;
  }

  /** Hands an address back; addresses outside the range are ignored. */
  release(ip: string): void {
    const n = this.numberOf(ip);
    if (n !== undefined) this.taken.delete(n);
  }

  private numberOf(ip: string): number | undefined {
    let value: number;
    try {
      value = parseIpv4(ip);
    } catch {
      return undefined;
    }
    // Only the canonical form: `10.0.0.07` is not an address of the range.
    if (formatIpv4(value) !== ip) return undefined;
    const n = value - this.range.base;
    return n >= 1 && n <= this.size ? n : undefined;
  }
}
