import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DeadlineExceededError, LeaseRenewalError } from "../../src/core/errors.js";
import { LeaseLock, leaseName } from "../../src/recovery/lock.js";
import { FakeWorld } from "../support/fake-world.js";

function options(world: FakeWorld, holder = "me", onWait?: (line: string) => void) {
  return {
    kubernetes: world.kubernetes(),
    clock: world.clock,
    logger: pino({ level: "silent" }),
    namespace: "default",
    name: leaseName("example"),
    holder,
    durationSeconds: 15,
    timeoutMs: 60_000,
    initialMs: 250,
    maxMs: 2_000,
    ...(onWait ? { onWait } : {}),
  };
}

describe("LeaseLock", () => {
  it("is named after the cluster", () => {
    expect(leaseName("example")).toBe("etcd-responder-example");
  });

  it("takes a free Lease, renews it every third of its duration, and releases it", async () => {
    const world = new FakeWorld();
    const lock = await LeaseLock.acquire(options(world));
    const start = world.clock.now();
    await world.clock.sleep(16_000);
    expect(world.leases.get("etcd-responder-example")).toMatchObject({ holder: "me", renewedAt: start + 15_000 });
    lock.check();
    await lock.release();
    expect(world.leases.has("etcd-responder-example")).toBe(false);
  });

  it("waits while another holder has the Lease, telling once, and takes it when it expires", async () => {
    const world = new FakeWorld();
    world.leases.set("etcd-responder-example", { holder: "other", renewedAt: world.clock.now(), duration: 15 });
    const lines: string[] = [];
    const start = world.clock.now();
    const lock = await LeaseLock.acquire(options(world, "me", (line) => lines.push(line)));
    expect(world.clock.now() - start).toBeGreaterThanOrEqual(15_000);
    expect(lines).toEqual([
      'Lease default/etcd-responder-example is held by "other" (another recovery of this cluster); waiting',
    ]);
    await lock.release();
  });

  it("gives up waiting at the deadline", async () => {
    const world = new FakeWorld();
    world.leases.set("etcd-responder-example", { holder: "other", renewedAt: world.clock.now(), duration: 3600 });
    await expect(LeaseLock.acquire(options(world))).rejects.toThrow(DeadlineExceededError);
  });

  it("remembers a Lease taken over by someone else; check() throws it", async () => {
    const world = new FakeWorld();
    const lock = await LeaseLock.acquire(options(world));
    world.leases.set("etcd-responder-example", { holder: "thief", renewedAt: world.clock.now(), duration: 15 });
    await world.clock.sleep(5_001);
    expect(() => lock.check()).toThrow(LeaseRenewalError);
    expect(() => lock.check()).toThrow(/lost the Lease default\/etcd-responder-example: .*"thief"/);
    await lock.release();
    expect(world.leases.get("etcd-responder-example")?.holder).toBe("thief");
  });

  it("keeps going through a failed renewal, but not past the Lease's duration", async () => {
    const world = new FakeWorld();
    const lock = await LeaseLock.acquire(options(world));
    world.failures.set("renew", [new Error("connection reset")]);
    await world.clock.sleep(5_001);
    lock.check();
    world.failures.set("renew", [
      new Error("connection reset"),
      new Error("connection reset"),
      new Error("connection reset"),
    ]);
    await world.clock.sleep(20_000);
    expect(() => lock.check()).toThrow(
      /could not renew the Lease default\/etcd-responder-example for 15 s \(connection reset\)/,
    );
    await lock.release();
  });
});
