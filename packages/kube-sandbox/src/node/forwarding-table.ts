import { errorInfo, type ForwardedPort, type ForwarderEvent, type PortOutcome } from "./forwarding-messages.js";
import { TcpForwarder } from "./tcp-forwarder.js";

/** The listeners of one Service. */
interface ServiceListeners {
  /** The cluster IP they listen on. */
  readonly ip: string;
  /** Listeners by Service port number. */
  readonly listeners: Map<number, TcpForwarder>;
  /** Listeners of ports no longer served, while their open connections last. */
  readonly draining: Set<TcpForwarder>;
}

/**
 * The listeners of every Service the forwarding thread serves, brought in line with one Service's table at a
 * time. The proxy sends one request at a time, so no two changes of a Service overlap.
 */
export class ForwardingTable {
  private readonly services = new Map<string, ServiceListeners>();

  /** `report` receives the listeners' socket events. */
  constructor(private readonly report: (event: ForwarderEvent) => void) {}

  /**
   * Listens on `ip` at every port of `ports` not listened on yet, gives the others their new backends, and
   * stops listening on the Service's ports not in `ports`, letting their open connections finish. Resolves
   * with what came of each port it tried to listen on (a failure leaves that port without a listener).
   */
  async serve(service: string, ip: string, ports: readonly ForwardedPort[]): Promise<PortOutcome[]> {
    if (this.services.get(service)?.ip !== ip) await this.unserve(service);
    let state = this.services.get(service);
    if (!state) {
      state = { ip, listeners: new Map(), draining: new Set() };
      this.services.set(service, state);
    }
    const wanted = new Map(ports.map(({ port, backends }) => [port, backends]));
    for (const [port, listener] of state.listeners) {
      if (wanted.has(port)) continue;
      state.listeners.delete(port);
      const { draining } = state;
      draining.add(listener);
      void listener.close(false).then(() => draining.delete(listener));
    }
    const outcomes: PortOutcome[] = [];
    for (const [port, backends] of wanted) {
      const listener = state.listeners.get(port);
      if (listener) {
        listener.setBackends(backends);
        continue;
      }
      try {
        state.listeners.set(port, await TcpForwarder.listen({ host: ip, port, backends, report: this.report }));
        outcomes.push({ port, listening: true });
      } catch (err) {
        outcomes.push({ port, listening: false, error: errorInfo(err) });
      }
    }
    return outcomes;
  }

  /** Closes every listener of the Service and resets its connections; resolves once they are all gone. */
  async unserve(service: string): Promise<void> {
    const state = this.services.get(service);
    if (!state) return;
    this.services.delete(service);
    const listeners = [...state.listeners.values(), ...state.draining];
    await Promise.all(listeners.map((listener) => listener.close(true)));
  }
}
