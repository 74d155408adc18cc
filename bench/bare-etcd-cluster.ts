import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressBlock } from "kube-sandbox";

/** Bare etcd processes, no Kubernetes: the floor the sandbox's start-up is compared with. */
export interface BareEtcdCluster {
  clientURLs: string[];
  stop(): Promise<void>;
}

/** Starts `members` etcd processes on a free loopback block and resolves once every `/health` says true. */
export async function startBareEtcdCluster(members: number): Promise<BareEtcdCluster> {
  const block = await AddressBlock.claim();
  const dir = await mkdtemp(join(tmpdir(), "bench-etcd-"));
  const ips = Array.from({ length: members }, (_, i) => block.address(i + 1));
  const initialCluster = ips.map((ip, i) => `m${i + 1}=http://${ip}:2380`).join(",");
  const children: ChildProcess[] = ips.map((ip, i) =>
    spawn(
      "etcd",
      [
        `--name=m${i + 1}`,
        `--data-dir=${join(dir, `m${i + 1}`)}`,
        `--listen-client-urls=http://${ip}:2379`,
        `--advertise-client-urls=http://${ip}:2379`,
        `--listen-peer-urls=http://${ip}:2380`,
        `--initial-advertise-peer-urls=http://${ip}:2380`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-state=new",
      ],
      { stdio: "ignore" },
    ),
  );
  const stop = async () => {
    await Promise.all(children.filter((child) => child.exitCode === null).map(killAndWait));
    await rm(dir, { recursive: true, force: true });
    block.close();
  };
  const clientURLs = ips.map((ip) => `http://${ip}:2379`);
  const deadline = Date.now() + 30_000;
  try {
    for (const url of clientURLs) {
      // Polled like the sandbox's readiness probe: etcd has no event to wait on from outside.
      while (!(await healthy(url))) {
        if (Date.now() > deadline) throw new Error(`etcd at ${url} not healthy within 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { clientURLs, stop };
}

/** SIGKILL, resolved once the process has exited. */
function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Whether etcd at `url` says `/health` is true; false while it does not answer or answers otherwise. */
async function healthy(url: string): Promise<boolean> {
  try {
    const body = (await (await fetch(`${url}/health`)).json()) as { health?: string };
    return body.health === "true";
  } catch {
    return false;
  }
}
