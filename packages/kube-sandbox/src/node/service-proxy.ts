import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { silentLogger, type Logger } from "../logger.js";
import { parseIpv4, parseRange, rangeContains, type Ipv4Range } from "./ipv4-range.js";
import { runTool } from "./run-tool.js";
import { SerialKeyQueue } from "./serial-key-queue.js";
import {
  ENDPOINT_SLICES,
  readyBackends,
  SERVICE_NAME_LABEL,
  type Backend,
  type ServicePort,
} from "./service-endpoints.js";
import { TcpForwarder } from "./tcp-forwarder.js";

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

/** What the proxy holds for one Service. */
interface ServedService {
  /** The cluster IP, an address of the bridge while the Service is served. */
  readonly ip: string;
  /** Listeners by Service port number (TCP ports with at least one ready backend). */
  readonly listeners: Map<number, TcpForwarder>;
  /** Listeners of ports that lost their last ready endpoint, while their open connections last. */
  readonly draining: Set<TcpForwarder>;
}

/**
 * The sandbox's kube-proxy for the isolated Pod network, in the userspace way (no nftables or iptables):
 * every Service with a cluster IP in the Service range has that address on the bridge, so the host's own
 * clients and the Pods (which route the Service range via the bridge) reach it as a local address; each TCP
 * port with a ready endpoint has a listener there that forwards connections to the endpoints round robin.
 * A port without a ready endpoint has no listener, so connections are refused at once. UDP and SCTP ports
 * are not served (logged once per port), nor are session affinity, traffic policies, NodePorts and load
 * balancers. Changes are applied one at a time, off the store's dispatch.
 */
export class ServiceProxy {
  private readonly served = new Map<string, ServedService>();
  private readonly unsupportedPortsLogged = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly queue: SerialKeyQueue;
  private readonly range: Ipv4Range;
  private readonly logger: Logger;
  private readonly unsubscribe: () => void;

  private constructor(private readonly options: ServiceProxyOptions) {
    this.range = parseRange(options.serviceRange);
    this.logger = options.logger ?? silentLogger;
    this.queue = new SerialKeyQueue(
      (key) => this.sync(key),
      (key, err) => this.retryLater(key, err, "Service proxy could not apply a change"),
    );
    this.unsubscribe = options.store.subscribe((event) => this.onEvent(event));
  }

  /** Starts serving every Service of the store, and follows their changes and their EndpointSlices'. */
  static start(options: ServiceProxyOptions): ServiceProxy {
    const proxy = new ServiceProxy(options);
    for (const service of options.store.list("services")) proxy.queue.add(serviceKey(service));
    return proxy;
  }

  /** Resolves once every change seen so far is applied (addresses present, listeners listening). */
  whenIdle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops following changes, resets every forwarded connection and removes every address it added. */
  async stop(): Promise<void> {
    this.unsubscribe();
    await this.queue.stop();
    // After the last change has run, so that no retry it asked for is left behind.
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const key of [...this.served.keys()]) await this.unserve(key);
  }

  private onEvent(event: StoreEvent): void {
    if (event.resource === "services") this.queue.add(serviceKey(event.object));
    if (event.resource !== ENDPOINT_SLICES) return;
    for (const slice of [event.object, event.previous]) {
      const name = slice?.metadata.labels?.[SERVICE_NAME_LABEL];
      if (slice && name) this.queue.add(`${slice.metadata.namespace ?? ""}/${name}`);
    }
  }

  /** Brings one Service's address and listeners in line with the store. */
  private async sync(key: string): Promise<void> {
    const [namespace = "", name = ""] = key.split("/");
    const service = this.options.store.get("services", namespace, name);
    const ip = service && this.servedClusterIP(service);
    if (this.served.get(key)?.ip !== ip) await this.unserve(key);
    if (!service || !ip) return;
    let state = this.served.get(key);
    if (!state) {
      await runTool("ip", ["addr", "add", `${ip}/32`, "dev", this.options.bridge]);
      state = { ip, listeners: new Map(), draining: new Set() };
      this.served.set(key, state);
    }
    const slices = this.options.store
      .list(ENDPOINT_SLICES, namespace)
      .filter((slice) => slice.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    const wanted = new Map<number, Backend[]>();
    for (const port of servicePorts(service)) {
      if ((port.protocol ?? "TCP") !== "TCP") this.logUnsupportedOnce(key, port);
      else wanted.set(port.port, readyBackends(port, slices));
    }
    for (const [port, listener] of state.listeners) {
      if ((wanted.get(port)?.length ?? 0) > 0) continue;
      state.listeners.delete(port);
      const { draining } = state;
      draining.add(listener);
      void listener.close(false).then(() => draining.delete(listener));
    }
    for (const [port, backends] of wanted) {
      if (backends.length === 0) continue;
      const listener = state.listeners.get(port);
      if (listener) listener.setBackends(backends);
      else await this.listen(key, state, port, backends);
    }
  }

  /** Listens on one Service port; a failure (e.g. another program holds the port) is retried later. */
  private async listen(key: string, state: ServedService, port: number, backends: Backend[]): Promise<void> {
    try {
      state.listeners.set(port, await TcpForwarder.listen({ host: state.ip, port, backends, logger: this.logger }));
    } catch (err) {
      this.retryLater(key, err, `could not listen on ${state.ip}:${port}`);
    }
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
    const state = this.served.get(key);
    if (!state) return;
    this.served.delete(key);
    const listeners = [...state.listeners.values(), ...state.draining];
    await Promise.all(listeners.map((listener) => listener.close(true)));
    await runTool("ip", ["addr", "del", `${state.ip}/32`, "dev", this.options.bridge]).catch((err: unknown) =>
      this.logger.warn({ err, service: key, ip: state.ip }, "could not remove a cluster IP from the bridge"),
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

function serviceKey(service: KubeObject): string {
  return `${service.metadata.namespace ?? ""}/${service.metadata.name}`;
}

function servicePorts(service: KubeObject): ServicePort[] {
  const ports = (service.spec as { ports?: unknown } | undefined)?.ports;
  return Array.isArray(ports) ? (ports as ServicePort[]).filter((port) => typeof port.port === "number") : [];
}
