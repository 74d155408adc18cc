import { randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRange } from "../node/ipv4-range.js";
import { AddressBlockError } from "./address-block-error.js";
import { AddressPool } from "./address-pool.js";
import { acquireBlockLock, blockLockPath, releaseBlockLock } from "./block-lock.js";
import { probePort } from "./port-probe.js";

/** How `AddressBlock.claim` looks for a block. */
export interface ClaimOptions {
  /** Block to try first, `127.A.B` (A 100..254, B 0..255); when it is taken, random blocks are tried. */
  preferred?: string;
  /** Directory of the lock files; default `kube-sandbox-blocks` in the system temp directory. */
  lockDirectory?: string;
  /** Blocks tried before giving up; default 32. */
  attempts?: number;
}

/** Ports of an etcd member that must be free on a block's first address. */
const ETCD_PORTS = [2379, 2380];
const PREFIX = /^127\.(\d{1,3})\.(\d{1,3})$/;

/** The default lock directory, shared by every sandbox of this machine. */
function defaultLockDirectory(): string {
  return join(tmpdir(), "kube-sandbox-blocks");
}

/**
 * One /24 of loopback addresses (`127.A.B.0/24`) that belongs to one sandbox, so that several
 * sandboxes (and test runs) on one machine never share an etcd address.
 */
export class AddressBlock {
  /** The block's addresses, handed out to Services and Pods. */
  readonly pool: AddressPool;
  private closed = false;

  private constructor(
    /** The block's first three octets: `127.A.B`. */
    readonly prefix: string,
    /** The lock file that marks the block as ours; removing it hands the block back. */
    readonly lockFile: string,
    private readonly lockDirectory: string,
  ) {
    this.pool = new AddressPool(parseRange(`${prefix}.0/24`));
  }

  /**
   * Claims a block nobody else uses: its lock file is ours and etcd's ports are free on its first address.
   * Throws `AddressBlockError` when no block was found within the attempts or loopback addresses other than
   * 127.0.0.1 cannot be used on this machine.
   */
  static async claim(options: ClaimOptions = {}): Promise<AddressBlock> {
    const directory = options.lockDirectory ?? defaultLockDirectory();
    const attempts = options.attempts ?? 32;
    if (options.preferred !== undefined) checkPrefix(options.preferred);
    const refusals: string[] = [];
    for (let attempt = 0; attempt < attempts; attempt++) {
      const prefix = attempt === 0 && options.preferred !== undefined ? options.preferred : randomPrefix();
      if (!acquireBlockLock(directory, prefix)) {
        refusals.push(`${prefix} is locked by a running process`);
        continue;
      }
      const busy = await firstBusyPort(`${prefix}.1`);
      if (!busy) return new AddressBlock(prefix, blockLockPath(directory, prefix), directory);
      releaseBlockLock(directory, prefix);
      if (busy.code === "EADDRNOTAVAIL") {
        throw new AddressBlockError(
          `cannot listen on ${prefix}.1 (EADDRNOTAVAIL): ` +
            "the sandbox needs all of 127.0.0.0/8 on the loopback interface",
        );
      }
      refusals.push(`${prefix}.1:${busy.port} is in use (${busy.code})`);
    }
    throw new AddressBlockError(
      `no free address block after ${attempts} attempts; last: ${refusals.slice(-3).join("; ")}`,
    );
  }

  /** Address `n` (1..254) of the block. */
  address(n: number): string {
    return this.pool.address(n);
  }

  /** Whether `ip` is a usable address (.1 to .254) of this block. */
  contains(ip: string): boolean {
    return this.pool.contains(ip);
  }

  /** Takes the highest free address (254, 253, ...); see `AddressPool.allocate`. */
  allocate(): string {
    return this.pool.allocate();
  }

  /** Takes a given address; false when it is outside the block or already taken. */
  reserve(ip: string): boolean {
    return this.pool.reserve(ip);
  }

  /** Hands an address back; addresses outside the block are ignored. */
  release(ip: string): void {
    this.pool.release(ip);
  }

  /** Releases the lock file, so another sandbox may claim the block. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    releaseBlockLock(this.lockDirectory, this.prefix);
  }
}

function randomPrefix(): string {
  return `127.${randomInt(100, 255)}.${randomInt(0, 256)}`;
}

function checkPrefix(prefix: string): void {
  const match = PREFIX.exec(prefix);
  const a = Number(match?.[1]);
  const b = Number(match?.[2]);
  if (!match || a < 100 || a > 254 || b > 255) {
    throw new AddressBlockError(
      `preferred block must look like 127.A.B with A 100..254 and B 0..255, got ${JSON.stringify(prefix)}`,
    );
  }
}

async function firstBusyPort(host: string): Promise<{ port: number; code: string } | undefined> {
  for (const port of ETCD_PORTS) {
    const code = await probePort(host, port);
    if (code !== undefined) return { port, code };
  }
  return undefined;
}
