import type { ObjectStore } from "../api/object-store.js";
import { startClusterDns } from "../dns/start-cluster-dns.js";
import type { DnsServer } from "../dns/dns-server.js";
import type { PodSandboxes } from "../kubelet/pod-sandbox.js";
import type { Logger } from "../logger.js";
import { AddressBlock } from "../network/address-block.js";
import { AddressPool } from "../network/address-pool.js";
import { loopbackPods } from "../network/loopback-pods.js";
import { podAddressFor } from "../network/pod-address.js";
import type { ProcessGuard } from "../process-guard/process-guard.js";
import { checkIsolationSupport, type IsolationSupport } from "./isolation-support.js";
import { isolatedPods } from "./isolated-pods.js";
import { parseRange } from "./ipv4-range.js";
import type { ForwardingThread } from "./forwarding-thread.js";
import { PodNetwork } from "./pod-network.js";
import { ServiceProxy } from "./service-proxy.js";
import { sweepOrphanNetworks } from "./sweep-networks.js";

/**
 * How Pods are run: `namespaces` gives each its own network, mount, PID, UTS and IPC namespaces (root
 * only), `loopback` runs them as host processes on loopback addresses, `auto` (the default) takes
 * `namespaces` where they can be made and says in one line why not otherwise.
 */
export type IsolationMode = "auto" | "namespaces" | "loopback";

/** Whether `text` names an isolation mode. */
export function isIsolationMode(text: string): text is IsolationMode {
  return text === "auto" || text === "namespaces" || text === "loopback";
}

/** Where a sandbox with `namespaces` isolation puts its Pods and Services on the host. */
export interface PodNetworkInfo {
  /** The bridge, e.g. `ksb1a2b3c`; the Pods' namespaces and veths are named after it. */
  bridge: string;
  /** The Pod range, e.g. `10.42.7.0/24`; the bridge holds its first address. */
  podRange: string;
  /** The Service range, e.g. `10.42.8.0/24`, routed to the bridge. */
  serviceRange: string;
}

/** The node's Pod network as the rest of the sandbox uses it. */
export interface PodNetworking {
  /** The mode chosen. */
  mode: "namespaces" | "loopback";
  /** Where Pods run and get their addresses. */
  pods: PodSandboxes;
  /** Where Services get their cluster IPs: the Service range, or the loopback block. */
  serviceAddresses: AddressPool;
  /** The cluster DNS, on the address Pods' `/etc/resolv.conf` names. */
  dns: DnsServer;
  /** The bridge and the ranges, in `namespaces` mode. */
  podNetwork?: PodNetworkInfo;
  /** Stops the DNS and the Service proxy and removes the network; run after the kubelet stopped its Pods. */
  stop(): Promise<void>;
}

/** Thrown when `namespaces` is asked for where namespaces cannot be made. */
export class IsolationUnavailableError extends Error {
  override readonly name = "IsolationUnavailableError";

  constructor(reason: string) {
    super(`Pods cannot be isolated here: ${reason}`);
    Object.setPrototypeOf(this, IsolationUnavailableError.prototype);
  }
}

/**
 * Sets up the Pod network of `mode`. In `namespaces` mode: sweeps the networks of sandboxes that died
 * without cleaning up, creates a bridge with a Pod and a Service range of its own (watched by `guard`, so
 * a SIGKILLed sandbox's network goes too), starts the Service proxy and the cluster DNS on the bridge's
 * address, port 53. In `loopback` mode: claims a block of loopback addresses for Pods and Services and
 * starts the DNS on one of them.
 */
export async function startPodNetworking(
  mode: IsolationMode,
  store: ObjectStore,
  guard: ProcessGuard,
  logger: Logger,
): Promise<PodNetworking> {
  if (mode === "loopback") return startLoopback(store, logger);
  const support = checkIsolationSupport();
  // As root the Pod network is made while the support check runs (both mostly wait for processes), and
  // removed again if the check finds that Pods cannot be isolated here; any other user never makes one.
  const making = process.getuid?.() === 0 ? makeNetwork(guard, logger) : undefined;
  // Reported once the check has passed, or not at all when the network is not wanted.
  making?.catch(() => {});
  let chosen: { mode: "namespaces" | "loopback"; reason?: string };
  try {
    chosen = chooseIsolation(mode, await support);
  } catch (error) {
    await discard(making);
    throw error;
  }
  if (chosen.mode === "namespaces") {
    return startIsolated(store, await (making ?? makeNetwork(guard, logger)), guard, logger);
  }
  await discard(making);
  if (chosen.reason) logger.warn({ reason: chosen.reason }, `Pods share the host's namespaces: ${chosen.reason}`);
  return startLoopback(store, logger);
}

/**
 * The mode to run Pods in, given what was asked and whether namespaces can be made here (not asked for
 * `loopback`). Falling back from `auto`, it gives the one-line reason; asked for `namespaces` where they
 * cannot be made, it throws `IsolationUnavailableError`.
 */
export function chooseIsolation(
  mode: IsolationMode,
  support: IsolationSupport | undefined,
): { mode: "namespaces" | "loopback"; reason?: string } {
  if (mode === "loopback" || !support) return { mode: "loopback" };
  if (support.supported) return { mode: "namespaces" };
  if (mode === "namespaces") throw new IsolationUnavailableError(support.reason);
  return { mode: "loopback", reason: support.reason };
}

async function startLoopback(store: ObjectStore, logger: Logger): Promise<PodNetworking> {
  const block = await AddressBlock.claim();
  try {
    const dns = await startClusterDns(store, block.allocate(), logger.child({ component: "dns" }));
    return {
      mode: "loopback",
      pods: loopbackPods(podAddressFor(store, block), dns.host),
      serviceAddresses: block.pool,
      dns,
      async stop() {
        await dns.stop();
        block.close();
      },
    };
  } catch (error) {
    block.close();
    throw error;
  }
}

/** A Pod network made, with its Service proxy's forwarding thread, not yet serving. */
interface MadeNetwork {
  network: PodNetwork;
  forwarding: ReturnType<typeof ServiceProxy.startForwarding>;
  thread: ForwardingThread;
  proxyLogger: Logger;
  /** Removes the network (its namespaces and interfaces) and stops watching it. */
  close(): void;
  /** Stops the thread and removes the network. */
  discard(): Promise<void>;
}

/**
 * Sweeps the networks of sandboxes that are gone, creates this sandbox's (watched by `guard`) and starts the
 * Service proxy's forwarding thread, which loads meanwhile.
 */
async function makeNetwork(guard: ProcessGuard, logger: Logger): Promise<MadeNetwork> {
  const swept = sweepOrphanNetworks();
  if (swept.length > 0) logger.info({ networks: swept }, "removed the Pod networks of sandboxes that are gone");
  const proxyLogger = logger.child({ component: "service-proxy" });
  const forwarding = ServiceProxy.startForwarding(proxyLogger);
  const [made, thread] = await Promise.allSettled([PodNetwork.create(), forwarding.thread]);
  if (made.status === "rejected") {
    if (thread.status === "fulfilled") await thread.value.stop();
    throw made.reason;
  }
  const network = made.value;
  guard.trackNetwork(network.id);
  const close = () => {
    network.close();
    guard.untrackNetwork(network.id);
  };
  if (thread.status === "rejected") {
    close();
    throw thread.reason;
  }
  return {
    network,
    forwarding,
    thread: thread.value,
    proxyLogger,
    close,
    async discard() {
      await thread.value.stop();
      close();
    },
  };
}

/** Removes a network being made, if any, once it is made; a network that failed to be made has nothing left. */
async function discard(making: Promise<MadeNetwork> | undefined): Promise<void> {
  const made = await making?.catch(() => undefined);
  await made?.discard();
}

/** Serves Services (the proxy over the forwarding thread) and names (the DNS on the bridge) on `made`. */
async function startIsolated(
  store: ObjectStore,
  made: MadeNetwork,
  guard: ProcessGuard,
  logger: Logger,
): Promise<PodNetworking> {
  const { network } = made;
  let proxy: ServiceProxy | undefined;
  try {
    const options = { store, bridge: network.bridge, serviceRange: network.serviceRange, logger: made.proxyLogger };
    proxy = made.forwarding.proxyOver(options, made.thread);
    const dns = await startClusterDns(store, network.gateway, logger.child({ component: "dns" }));
    const running = proxy;
    const podNetwork = { bridge: network.bridge, podRange: network.podRange, serviceRange: network.serviceRange };
    logger.info(podNetwork, "Pods isolated in namespaces of their own");
    return {
      mode: "namespaces",
      pods: isolatedPods(network, guard),
      serviceAddresses: new AddressPool(parseRange(network.serviceRange)),
      dns,
      podNetwork,
      async stop() {
        await dns.stop();
        // The proxy ends its forwarding thread.
        await running.stop();
        made.close();
      },
    };
  } catch (error) {
    if (proxy) await proxy.stop();
    else await made.thread.stop();
    made.close();
    throw error;
  }
}
