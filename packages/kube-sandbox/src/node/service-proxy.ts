import { execFile } from "node:child_process";
import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { silentLogger, type Logger } from "../logger.js";
import type { ForwardedPort } from "./forwarding-messages.js";
import { ForwardingThread } from "./forwarding-thread.js";
import { parseIpv4, parseRange, rangeContains, type Ipv4Range } from "./ipv4-range.js";
import { runTool } from "./run-tool.js";
import { SerialKeyQueue } from "./serial-key-queue.js";
import { ENDPOINT_SLICES, readyBackends, SERVICE_NAME_LABEL, type ServicePort } from "./service-endpoints.js";

/** Milliseconds the `ip -batch` that adds several cluster IPs at once may take. */
const BATCH_TIMEOUT_MS = 15_000;
/** Milliseconds after which a Service whose change could not be applied is looked at again. */
const RETRY_DELAY_MS = 1_000;

/** What a `ServiceProxy` serves and where. */
export interface ServiceProxyOptions {
  /** The objects: Services and `discovery.k8s.io/v1` EndpointSlices. */
  readonly store: ObjectStore;
  /** The Pod network's bridge (`PodNetwork.bridge`), which gets each served cluster IP as a /32. */
  readonly bridge: string;
  /** The Pod network's Service range (`PodNetwork.serviceRange`); Services with a cluster IP elsewhere are ignored. */
  readonly serviceRange: string;
  /** Default: writes nothing. */
  readonly logger?: Logger;
}

/**
 * The sandbox's kube-proxy for the isolated Pod network, in the userspace way (no nftables or iptables):
 * every Service with a cluster IP in the Service range has that address on the bridge, so the host's own
 * clients and the Pods (which route the Service range via the bridge) reach it as a local address; each TCP
 * port with a ready endpoint has a listener there that forwards connections to the endpoints round robin.
 * A port without a ready endpoint has no listener, so connections are refused at once. UDP and SCTP ports
 * are not served (logged once per port), nor are session affinity, traffic policies, NodePorts and load
 * balancers. The listeners and connections live in a forwarding thread of their own (`ForwardingThread`),
 * so that a busy event loop here never delays a forwarded byte; this thread follows the store, manages the
 * addresses and sends each Service's ports and backends there. Changes are applied one at a time, off the
 * store's dispatch.
 */
export class ServiceProxy {
  /** The cluster IP of every Service whose address is on the bridge. */
  private readonly served = new Map<string, string>();
  private readonly unsupportedPortsLogged = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly queue: SerialKeyQueue;
  private readonly range: Ipv4Range;
  private readonly logger: Logger;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly options: ServiceProxyOptions,
    private readonly forwarding: ForwardingThread,
  ) {
    this.range = parseRange(options.serviceRange);
    this.logger = options.logger ?? silentLogger;
    this.queue = new SerialKeyQueue(
      (key) => this.sync(key),
      (key, err) => this.retryLater(key, err, "Service proxy could not apply a change"),
      (keys) => this.addAddresses(keys),
    );
    this.unsubscribe = options.store.subscribe((event) => this.onEvent(event));
  }

  /**
   * Starts the forwarding thread, then serves every Service of the store and follows their changes and their
   * EndpointSlices'. Rejects with `ForwardingThreadError` when the thread cannot start.
   */
  static async start(options: ServiceProxyOptions): Promise<ServiceProxy> {
    const starting = ServiceProxy.startForwarding(options.logger);
    return starting.proxyOver(options, await starting.thread);
  }

  /**
   * Starts the forwarding thread alone, so that it can load while the network is being made; `proxyOver`
   * then makes the proxy over it (and only then does a replaced thread get every Service again).
   */
  static startForwarding(logger: Logger | undefined): {
    thread: Promise<ForwardingThread>;
    proxyOver(options: ServiceProxyOptions, thread: ForwardingThread): ServiceProxy;
  } {
    let proxy: ServiceProxy | undefined;
    const thread = ForwardingThread.start({
      logger: logger ?? silentLogger,
      // A thread is replaced only after it was first ready, by when the proxy normally exists.
      onRestart: () => proxy?.sendAllAgain(),
    });
    return {
      thread,
      proxyOver(options, started) {
        proxy = new ServiceProxy(options, started);
        for (const service of options.store.list("services")) proxy.queue.add(serviceKey(service));
        return proxy;
      },
    };
  }

  /** Resolves once every change seen so far is applied (addresses present, listeners listening). */
  whenIdle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops following changes, resets every forwarded connection, removes every address it added, ends the thread. */
  async stop(): Promise<void> {
    this.unsubscribe();
    await this.queue.stop();
    // After the last change has run, so that no retry it asked for is left behind.
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const key of [...this.served.keys()]) await this.unserve(key);
    await this.forwarding.stop();
  }

  private onEvent(event: StoreEvent): void {
    if (event.resource === "services") this.queue.add(serviceKey(event.object));
    if (event.resource !== ENDPOINT_SLICES) return;
    for (const slice of [event.object, event.previous]) {
      const name = slice?.metadata.labels?.[SERVICE_NAME_LABEL];
      if (slice && name) this.queue.add(`${slice.metadata.namespace ?? ""}/${name}`);
    }
  }

  /** A new forwarding thread listens on nothing: every served Service's table goes to it again. */
  private sendAllAgain(): void {
    for (const key of this.served.keys()) this.queue.add(key);
  }

  /** Brings one Service's address and listeners in line with the store. */
  private async sync(key: string): Promise<void> {
    const [namespace = "", name = ""] = key.split("/");
    const service = this.options.store.get("services", namespace, name);
    const ip = service && this.servedClusterIP(service);
    if (this.served.get(key) !== ip) await this.unserve(key);
    if (!service || !ip) return;
    if (!this.served.has(key)) {
      await runTool("ip", ["addr", "add", `${ip}/32`, "dev", this.options.bridge]);
      this.served.set(key, ip);
    }
    const slices = this.options.store
      .list(ENDPOINT_SLICES, namespace)
      .filter((slice) => slice.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    const ports: ForwardedPort[] = [];
    for (const port of servicePorts(service)) {
      if ((port.protocol ?? "TCP") !== "TCP") this.logUnsupportedOnce(key, port);
      else {
        const backends = readyBackends(port, slices);
        if (backends.length > 0) ports.push({ port: port.port, backends });
      }
    }
    for (const outcome of await this.forwarding.serve(key, ip, ports)) {
      if (outcome.listening) this.logger.debug({ service: key, ip, port: outcome.port }, "Service port listening");
      // Another program may hold the port: tried again later.
      else this.retryLater(key, outcome.error, `could not listen on ${ip}:${outcome.port}`);
    }
  }

  /**
   * Puts the cluster IPs of the waiting Services that have none on the bridge yet with one `ip -batch`, before
   * they are synced one by one: Services made together (a chart, a cluster's members) get their addresses in
   * one process start rather than one each, so that the Pods that follow find them local (answered, or
   * refused at once) rather than unanswered. An address that could not be added is left to the Service's sync,
   * which tries again and says why; one another Service still holds is left to the syncs, in order.
   */
  private async addAddresses(keys: readonly string[]): Promise<void> {
    const held = new Set(this.served.values());
    const adding: { key: string; ip: string }[] = [];
    for (const key of keys) {
      if (this.served.has(key)) continue;
      const [namespace = "", name = ""] = key.split("/");
      const service = this.options.store.get("services", namespace, name);
      const ip = service && this.servedClusterIP(service);
      if (!ip || held.has(ip)) continue;
      held.add(ip);
      adding.push({ key, ip });
    }
    // One address costs its sync one process anyway.
    if (adding.length < 2) return;
    const commands = adding.map(({ ip }) => `addr add ${ip}/32 dev ${this.options.bridge}`);
    const failed = await failedBatchLines(commands);
    adding.forEach(({ key, ip }, index) => {
      if (!failed.has(index + 1)) this.served.set(key, ip);
    });
  }

  /** Logs why a Service could not be brought in line, and queues it again after `RETRY_DELAY_MS`. */
  private retryLater(key: string, err: unknown, why: string): void {
    this.logger.error({ err, service: key, retryInMs: RETRY_DELAY_MS }, why);
    if (this.retries.has(key)) return;
    const timer = setTimeout(() => {
      this.retries.delete(key);
      this.queue.add(key);
    }, RETRY_DELAY_MS);
    timer.unref();
    this.retries.set(key, timer);
  }

  /**
   * Closes a Service's listeners and resets their connections, then removes its address from the bridge: no
   * socket may outlive the address, or what it sends next would be routed like any other non-local address.
   */
  private async unserve(key: string): Promise<void> {
    const ip = this.served.get(key);
    if (!ip) return;
    this.served.delete(key);
    // When this fails the thread has exited or is being ended, and its sockets go with it.
    await this.forwarding
      .unserve(key)
      .catch((err: unknown) => this.logger.warn({ err, service: key }, "could not close a Service's listeners"));
    await runTool("ip", ["addr", "del", `${ip}/32`, "dev", this.options.bridge]).catch((err: unknown) =>
      this.logger.warn({ err, service: key, ip }, "could not remove a cluster IP from the bridge"),
    );
  }

  /** The cluster IP the proxy serves for a Service: one of the Service range, not headless, not ExternalName. */
  private servedClusterIP(service: KubeObject): string | undefined {
    const spec = service.spec as { type?: unknown; clusterIP?: unknown } | undefined;
    const ip = spec?.clusterIP;
    if (spec?.type === "ExternalName" || typeof ip !== "string" || ip === "None") return undefined;
    try {
      return rangeContains(this.range, parseIpv4(ip)) ? ip : undefined;
    } catch {
      return undefined;
    }
  }

  private logUnsupportedOnce(key: string, port: ServicePort): void {
    const id = `${key}/${port.protocol}/${port.port}`;
    if (this.unsupportedPortsLogged.has(id)) return;
    this.unsupportedPortsLogged.add(id);
    this.logger.warn(
      { service: key, port: port.port, protocol: port.protocol },
      "Service port not proxied: only TCP ports are",
    );
  }
}

/**
 * Runs `commands` with one `ip -force -batch` (every line is tried) and resolves to the numbers (from 1) of
 * the lines that failed, as `ip` reports them (`Command failed -:N`); every line when `ip` failed otherwise.
 */
async function failedBatchLines(commands: readonly string[]): Promise<Set<number>> {
  const every = new Set(commands.map((_, index) => index + 1));
  return new Promise((resolve) => {
    const child = execFile("ip", ["-force", "-batch", "-"], { timeout: BATCH_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) return resolve(new Set());
      const failed = [...String(stderr).matchAll(/^Command failed -:(\d+)$/gm)].map((match) => Number(match[1]));
      resolve(failed.length > 0 ? new Set(failed) : every);
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(`${commands.join("\n")}\n`);
  });
}

function serviceKey(service: KubeObject): string {
  return `${service.metadata.namespace ?? ""}/${service.metadata.name}`;
}

function servicePorts(service: KubeObject): ServicePort[] {
  const ports = (service.spec as { ports?: unknown } | undefined)?.ports;
  return Array.isArray(ports) ? (ports as ServicePort[]).filter((port) => typeof port.port === "number") : [];
}
