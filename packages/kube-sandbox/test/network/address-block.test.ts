import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AddressBlock } from "../../src/network/address-block.js";
import { AddressBlockError } from "../../src/network/address-block-error.js";

const lockDirectory = mkdtempSync(join(tmpdir(), "address-block-test-"));
const claimed: AddressBlock[] = [];

async function claim(preferred?: string): Promise<AddressBlock> {
  const block = await AddressBlock.claim({ lockDirectory, preferred });
  claimed.push(block);
  return block;
}

/** A block nobody else is likely to use right now. */
function somePrefix(): string {
  return `127.${100 + Math.floor(Math.random() * 155)}.${Math.floor(Math.random() * 256)}`;
}

function deadPid(): number {
  const { pid } = spawnSync("true");
  if (!pid) throw new Error("could not start `true`");
  return pid;
}

afterEach(() => {
  for (const block of claimed.splice(0)) block.close();
});

afterAll(() => {
  rmSync(lockDirectory, { recursive: true, force: true });
});

describe("AddressBlock.claim", () => {
  it("claims a random 127.A.B block with A in 100..254 and locks it with our pid", async () => {
    const block = await claim();
    const [, a, b] = block.prefix.split(".").map(Number) as [number, number, number];
    expect(block.prefix).toMatch(/^127\.\d+\.\d+$/);
    expect(a).toBeGreaterThanOrEqual(100);
    expect(a).toBeLessThanOrEqual(254);
    expect(b).toBeLessThanOrEqual(255);
    expect(block.lockFile).toBe(join(lockDirectory, `${block.prefix}.lock`));
    expect(readFileSync(block.lockFile, "utf8").trim()).toBe(String(process.pid));
    block.close();
    expect(existsSync(block.lockFile)).toBe(false);
    block.close();
  });

  it("keeps its locks in a shared directory under the system temp directory by default", async () => {
    const block = await AddressBlock.claim();
    try {
      expect(block.lockFile).toBe(join(tmpdir(), "kube-sandbox-blocks", `${block.prefix}.lock`));
      expect(readFileSync(block.lockFile, "utf8").trim()).toBe(String(process.pid));
    } finally {
      block.close();
    }
    expect(existsSync(block.lockFile)).toBe(false);
  });

  it("gives two claims at once different blocks, even when both prefer the same one", async () => {
    const preferred = somePrefix();
    const [first, second] = await Promise.all([claim(preferred), claim(preferred)]);
    expect(first.prefix).not.toBe(second.prefix);
    expect([first.prefix, second.prefix]).toContain(preferred);
  });

  it("takes over a lock whose owner is dead", async () => {
    const preferred = somePrefix();
    mkdirSync(lockDirectory, { recursive: true });
    writeFileSync(join(lockDirectory, `${preferred}.lock`), `${deadPid()}\n`);
    const block = await claim(preferred);
    expect(block.prefix).toBe(preferred);
    expect(readFileSync(block.lockFile, "utf8").trim()).toBe(String(process.pid));
  });

  it("leaves a lock alone while its owner runs", async () => {
    const preferred = somePrefix();
    const lockFile = join(lockDirectory, `${preferred}.lock`);
    writeFileSync(lockFile, `${process.ppid}\n`);
    const block = await claim(preferred);
    expect(block.prefix).not.toBe(preferred);
    expect(readFileSync(lockFile, "utf8").trim()).toBe(String(process.ppid));
    rmSync(lockFile);
  });

  it("skips a block whose etcd ports are in use and drops its lock", async () => {
    const preferred = somePrefix();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: `${preferred}.1`, port: 2380 }, resolve));
    try {
      const block = await claim(preferred);
      expect(block.prefix).not.toBe(preferred);
      expect(existsSync(join(lockDirectory, `${preferred}.lock`))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("gives up with a clear error after the allowed attempts", async () => {
    const preferred = somePrefix();
    writeFileSync(join(lockDirectory, `${preferred}.lock`), `${process.pid}\n`);
    await expect(AddressBlock.claim({ lockDirectory, preferred, attempts: 1 })).rejects.toThrow(
      new AddressBlockError(
        `no free address block after 1 attempts; last: ${preferred} is locked by a running process`,
      ),
    );
    rmSync(join(lockDirectory, `${preferred}.lock`));
  });

  it("rejects a malformed preferred block", async () => {
    await expect(AddressBlock.claim({ lockDirectory, preferred: "127.0.0" })).rejects.toBeInstanceOf(AddressBlockError);
    await expect(AddressBlock.claim({ lockDirectory, preferred: "10.100.1" })).rejects.toThrow(/127\.A\.B/);
  });
});

describe("addresses of a block", () => {
  it("numbers addresses 1..254", async () => {
    const block = await claim();
    expect(block.address(1)).toBe(`${block.prefix}.1`);
    expect(block.address(254)).toBe(`${block.prefix}.254`);
    expect(() => block.address(0)).toThrow(AddressBlockError);
    expect(() => block.address(255)).toThrow(AddressBlockError);
    expect(block.contains(`${block.prefix}.7`)).toBe(true);
    expect(block.contains(`${block.prefix}.07`)).toBe(false);
    expect(block.contains(`${block.prefix}.0`)).toBe(false);
    expect(block.contains(`${block.prefix}.255`)).toBe(false);
    expect(block.contains(`${block.prefix}7.1`)).toBe(false);
  });

  it("allocates from the top, reserves and releases", async () => {
    const block = await claim();
    const p = block.prefix;
    expect(block.allocate()).toBe(`${p}.254`);
    expect(block.reserve(`${p}.253`)).toBe(true);
    expect(block.reserve(`${p}.253`)).toBe(false);
    expect(block.allocate()).toBe(`${p}.252`);
    expect(block.reserve(`${p}.1`)).toBe(true);
    expect(block.reserve("127.0.0.1")).toBe(false);
    expect(block.reserve(`${p}.256`)).toBe(false);
    block.release(`${p}.254`);
    expect(block.reserve(`${p}.254`)).toBe(true);
    block.release(`${p}.254`);
    expect(block.allocate()).toBe(`${p}.254`);
  });

  it("says so when every address is taken", async () => {
    const block = await claim();
    for (let n = 1; n <= 254; n++) block.allocate();
    expect(() => block.allocate()).toThrow(`address range ${block.prefix}.0/24 has no free address left`);
  });
});
