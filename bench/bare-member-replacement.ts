import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AddressBlock } from "kube-sandbox";
import { createEtcdGateway } from "../src/gateways/etcd/etcd3-gateway.js";
import { formatInitialCluster, type EtcdGateway } from "../src/gateways/etcd/etcd-gateway.js";
import { isLearnerNotInSync, isUnhealthyCluster } from "../src/gateways/etcd/errors.js";
import { DEFAULT_TUNING } from "../src/recovery/context.js";

/**
 * The floor of a member recovery: the etcd steps alone, with no Kubernetes — remove the dead member, add
 * it back as a learner, start an empty etcd process with `--initial-cluster-state existing`, wait until it
 * answers, promote it, and check every member answers with one leader and equal hashKV. Polls and back-off
 * use the recovery's own default intervals so that both are measured with the same granularity, and each
 * replacement opens its own etcd connections, as a recovery (or an `etcdctl` run) does.
 */
export class BareEtcdFloor {
  private constructor(
    private readonly block: AddressBlock,
    private readonly dir: string,
    private readonly processes: Map<number, ChildProcess>,
    private readonly etcd: EtcdGateway,
    private readonly members: number,
  ) {}

  static async start(members: number): Promise<BareEtcdFloor> {
    const block = await AddressBlock.claim();
    const dir = await mkdtemp(join(tmpdir(), "bench-floor-"));
    const initialCluster = Array.from(
      { length: members },
      (_, i) => `m${i + 1}=http://${block.address(i + 1)}:2380`,
    ).join(",");
    const floor = new BareEtcdFloor(
      block,
      dir,
      new Map(),
      createEtcdGateway({
        clientURLs: Array.from({ length: members }, (_, i) => `http://${block.address(i + 1)}:2379`),
      }),
      members,
    );
    for (let i = 1; i <= members; i++) floor.spawnMember(i, initialCluster, "new");
    await floor.waitUntil(
      async () => (await floor.statuses()).every((s) => s && s.leader !== "0"),
      30_000,
      "every member with a leader",
    );
    return floor;
  }

  /** Kills member `index` (its data is gone with it), then measures its replacement; returns milliseconds. */
  async replaceMember(index: number): Promise<number> {
    const ip = this.block.address(index);
    const deadId = (await this.etcd.status(`http://${ip}:2379`)).memberId;
    await this.kill(index);
    await rm(join(this.dir, `m${index}`), { recursive: true, force: true });
    const peerURL = `http://${ip}:2380`;
    // As on the sandbox, where the member has been down for a while: the others have a leader that is alive.
    await this.waitUntil(
      async () =>
        (await this.statuses()).some((s) => s && s.memberId !== deadId && s.leader !== "0" && s.leader !== deadId),
      30_000,
      "a leader other than the killed member",
    );

    const started = performance.now();
    const etcd = this.connect();
    try {
      await this.replace(etcd, index, peerURL, ip);
    } finally {
      await etcd.close();
    }
    return performance.now() - started;
  }

  private async replace(etcd: EtcdGateway, index: number, peerURL: string, ip: string): Promise<void> {
    const listed = await etcd.memberList();
    const dead = listed.members.find((m) => m.peerURLs.includes(peerURL));
    if (dead) await etcd.removeMember(dead.id);
    const added = await this.retry(() => etcd.addMember(peerURL, { learner: true }), isUnhealthyCluster, "add");
    this.spawnMember(
      index,
      formatInitialCluster(added.members, { id: added.member.id, name: `m${index}` }),
      "existing",
    );
    await this.waitUntil(
      async () => Boolean(await etcd.status(`http://${ip}:2379`).catch(() => undefined)),
      30_000,
      "the new member answering",
    );
    await this.retry(() => etcd.promoteMember(added.member.id), isLearnerNotInSync, "promote");
    await this.waitUntil(() => this.healthyAndEqual(etcd), 30_000, "every member voting, one leader, equal hashKV");
  }

  private connect(): EtcdGateway {
    return createEtcdGateway({
      clientURLs: Array.from({ length: this.members }, (_, i) => `http://${this.block.address(i + 1)}:2379`),
    });
  }

  async stop(): Promise<void> {
    await this.etcd.close();
    for (const index of this.processes.keys()) await this.kill(index);
    await rm(this.dir, { recursive: true, force: true });
    this.block.close();
  }

  private spawnMember(index: number, initialCluster: string, state: "new" | "existing"): void {
    const ip = this.block.address(index);
    const child = spawn(
      "etcd",
      [
        `--name=m${index}`,
        `--data-dir=${join(this.dir, `m${index}`)}`,
        `--listen-client-urls=http://${ip}:2379`,
        `--advertise-client-urls=http://${ip}:2379`,
        `--listen-peer-urls=http://${ip}:2380`,
        `--initial-advertise-peer-urls=http://${ip}:2380`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-state=${state}`,
      ],
      { stdio: "ignore" },
    );
    this.processes.set(index, child);
  }

  private async kill(index: number): Promise<void> {
    const child = this.processes.get(index);
    this.processes.delete(index);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once("exit", resolve);
      child.kill("SIGKILL");
    });
  }

  private async statuses(etcd: EtcdGateway = this.etcd) {
    return Promise.all(
      Array.from({ length: this.members }, (_, i) =>
        etcd.status(`http://${this.block.address(i + 1)}:2379`).catch(() => undefined),
      ),
    );
  }

  private async healthyAndEqual(etcd: EtcdGateway): Promise<boolean> {
    const list = await etcd.memberList();
    if (list.members.length !== this.members || list.members.some((m) => m.isLearner)) return false;
    const statuses = await this.statuses(etcd);
    if (statuses.some((s) => !s) || new Set(statuses.map((s) => s!.leader)).size !== 1) return false;
    const urls = Array.from({ length: this.members }, (_, i) => `http://${this.block.address(i + 1)}:2379`);
    const first = await etcd.hashKV(urls[0]!);
    const hashes = await Promise.all(urls.map((u) => etcd.hashKV(u, Number(first.revision))));
    return hashes.every((h) => h.hash === first.hash);
  }

  private async waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`floor: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, DEFAULT_TUNING.pollIntervalMs));
    }
  }

  private async retry<T>(call: () => Promise<T>, transient: (error: unknown) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (let delay = DEFAULT_TUNING.backoffInitialMs; ; delay = Math.min(delay * 2, DEFAULT_TUNING.backoffMaxMs)) {
      try {
        return await call();
      } catch (error) {
        if (!transient(error) || Date.now() > deadline)
          throw new Error(`floor: ${what} failed: ${String(error)}`, { cause: error });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
