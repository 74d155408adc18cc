import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../logger.js";
import type {
  ForwardedPort,
  ForwarderEvent,
  ForwardingReply,
  ForwardingRequest,
  ForwardingWorkerData,
  PortOutcome,
} from "./forwarding-messages.js";

/** Milliseconds the first forwarding thread may take to load before the proxy gives up starting. */
const START_TIMEOUT_MS = 30_000;
/** Milliseconds a request may wait for its answer before the thread is taken as stuck and replaced. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Milliseconds before a thread that died before it was ready is started again. */
const RESTART_DELAY_MS = 1_000;

/** Thrown when the forwarding thread cannot start, stopped, or did not answer a request. */
export class ForwardingThreadError extends Error {
  override readonly name = "ForwardingThreadError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.setPrototypeOf(this, ForwardingThreadError.prototype);
  }
}

/** What a `ForwardingThread` reports to. */
export interface ForwardingThreadOptions {
  /** Gets the thread's failures and restarts, and its socket events (failed backend connections at debug). */
  readonly logger: Logger;
  /** Called once a thread that replaced a failed one is ready: it listens on nothing, so every Service goes again. */
  readonly onRestart: () => void;
  /**
   * The worker's module, a `.ts` one loaded through tsx; default: `forwarding-worker` next to this module. Tests
   * give one that wraps it.
   */
  readonly workerModule?: URL;
}

/** A request waiting for its answer. */
interface PendingRequest {
  readonly resolve: (reply: ForwardingReply) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The Service proxy's forwarding thread, seen from the thread that owns the proxy: a `node:worker_threads`
 * Worker (`forwarding-worker`) that holds the Services' listeners and connections, so that forwarding does
 * not wait for a busy event loop here. A thread that exits or errors is logged and replaced (at once, or a
 * second later when it died before it was ready), and every request it had not answered is rejected; so is a
 * request not answered within 10 s, and that thread is replaced too. Nothing waits on a dead thread.
 */
export class ForwardingThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 1;
  private stopping = false;
  /** Whether the first thread became ready: only from then on is a thread that exits replaced. */
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: ForwardingThreadOptions) {}

  /** Starts the thread and resolves once it is ready; rejects with `ForwardingThreadError` when it cannot load. */
  static async start(options: ForwardingThreadOptions): Promise<ForwardingThread> {
    const thread = new ForwardingThread(options);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ForwardingThreadError(`the Service forwarding thread was not ready within ${START_TIMEOUT_MS} ms`),
          ),
        START_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([thread.spawn(), deadline]);
      thread.started = true;
      return thread;
    } catch (err) {
      await thread.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one Service's table (see `ForwardingRequest`) and resolves with what came of the ports the thread
   * was not listening on yet.
   */
  async serve(service: string, ip: string, ports: readonly ForwardedPort[]): Promise<readonly PortOutcome[]> {
    const reply = await this.request({ kind: "serve", id: this.nextId++, service, ip, ports });
    return reply.kind === "served" ? reply.ports : [];
  }

  /** Closes every listener of the Service and resets its connections; resolves once they are gone. */
  async unserve(service: string): Promise<void> {
    await this.request({ kind: "unserve", id: this.nextId++, service });
  }

  /** Ends the thread, which closes every listener and connection it still holds; rejects what waits on it. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.rejectPending("the Service proxy stopped");
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private request(message: ForwardingRequest): Promise<ForwardingReply> {
    const worker = this.worker;
    if (!worker) {
      const why = this.stopping ? "the Service proxy stopped" : "the Service forwarding thread is being restarted";
      return Promise.reject(new ForwardingThreadError(why));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        reject(
          new ForwardingThreadError(`the Service forwarding thread did not answer within ${REQUEST_TIMEOUT_MS} ms`),
        );
        this.options.logger.error({ request: message.kind }, "Service forwarding thread stuck; replacing it");
        void worker.terminate();
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(message.id, { resolve, reject, timer });
      worker.postMessage(message);
    });
  }

  /** Starts a worker; resolves once it is ready, rejects if it exits first. */
  private spawn(): Promise<void> {
    const { url, execArgv } = workerEntry(this.options.workerModule);
    const workerData: ForwardingWorkerData = { reportBackendFailures: this.options.logger.isLevelEnabled("debug") };
    const worker = new Worker(url, { workerData, execArgv, name: "service-forwarding" });
    // The proxy's stop() ends it; it never keeps the process alive by itself.
    worker.unref();
    this.worker = worker;
    let lastError: unknown;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on("message", (reply: ForwardingReply) => {
        if (reply.kind === "ready") {
          ready = true;
          resolve();
        } else this.onReply(reply);
      });
      worker.on("error", (err) => {
        lastError = err;
        this.options.logger.error({ err }, "Service forwarding thread failed");
      });
      worker.once("exit", (exitCode) => {
        if (!ready) {
          reject(
            new ForwardingThreadError(`the Service forwarding thread exited with code ${exitCode}`, {
              cause: lastError,
            }),
          );
        }
        this.onExit(worker, exitCode, ready);
      });
    });
  }

  private onReply(reply: ForwardingReply): void {
    if (reply.kind === "event") return this.logEvent(reply.event);
    if (reply.kind === "ready") return;
    const request = this.pending.get(reply.id);
    if (!request) return;
    this.pending.delete(reply.id);
    clearTimeout(request.timer);
    request.resolve(reply);
  }

  private logEvent(event: ForwarderEvent): void {
    const { kind: _kind, error, ...where } = event;
    const fields = { err: error, ...where };
    // Debug only: a crash-looping backend refuses its peers' reconnects many times a second.
    if (event.kind === "backend-failed") this.options.logger.debug(fields, "Service backend connection failed");
    else this.options.logger.error(fields, "Service listener failed");
  }

  private onExit(worker: Worker, exitCode: number, wasReady: boolean): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.rejectPending(`the Service forwarding thread exited with code ${exitCode}`);
    if (this.stopping || !this.started) return;
    const delayMs = wasReady ? 0 : RESTART_DELAY_MS;
    this.options.logger.error(
      { exitCode, restartInMs: delayMs },
      "Service forwarding thread exited; starting a new one",
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.spawn().then(
        () => {
          this.options.logger.info("Service forwarding thread restarted");
          this.options.onRestart();
        },
        // Its exit has been logged and has scheduled the next attempt.
        () => undefined,
      );
    }, delayMs);
    this.restartTimer.unref();
  }

  private rejectPending(why: string): void {
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(new ForwardingThreadError(why));
    }
    this.pending.clear();
  }
}

/**
 * The worker's module (by default the one next to this module, compiled or not, as this one is) and the Node
 * options it runs with: none of the process's own (a worker would inherit them, and some, e.g. `--input-type`,
 * fail a worker's start), and for a TypeScript module the `--import` of tsx, since a worker of a process that
 * did not start with tsx (e.g. Vitest's) would not have it.
 */
function workerEntry(module: URL | undefined): { url: URL; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith(".ts");
  const url = module ?? new URL(fromSource ? "./forwarding-worker.ts" : "./forwarding-worker.js", import.meta.url);
  if (!url.pathname.endsWith(".ts")) return { url, execArgv: [] };
  // Resolved from here, so the worker loads whatever the working directory is.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { url, execArgv: ["--import", tsx] };
}
