import type { Backend } from "./service-endpoints.js";

/** One Service port the forwarding thread listens on, and where its connections go. */
export interface ForwardedPort {
  /** The Service port, listened on at the Service's cluster IP. */
  readonly port: number;
  /** The ready endpoints, taken round robin; never empty. */
  readonly backends: readonly Backend[];
}

/**
 * What the Service proxy asks of its forwarding thread. `serve` gives one Service's whole table: its cluster
 * IP and every port to listen on; ports it listens on and that are not named stop listening (their open
 * connections go on). `unserve` closes every listener of the Service and resets its connections. Each request
 * gets exactly one reply with its `id`.
 */
export type ForwardingRequest =
  | {
      readonly kind: "serve";
      readonly id: number;
      readonly service: string;
      readonly ip: string;
      readonly ports: readonly ForwardedPort[];
    }
  | { readonly kind: "unserve"; readonly id: number; readonly service: string };

/** An error as it crosses from the forwarding thread: a socket error's message and code. */
export interface ErrorInfo {
  /** The error's message, e.g. `listen EADDRINUSE: address already in use 10.1.2.3:80`. */
  readonly message: string;
  /** The system error code, e.g. `EADDRINUSE`, when there is one. */
  readonly code?: string;
}

/** What `serve` did about a port it was not listening on yet. */
export type PortOutcome =
  | { readonly port: number; readonly listening: true }
  | { readonly port: number; readonly listening: false; readonly error: ErrorInfo };

/** A socket event of the forwarding thread that the proxy logs. */
export type ForwarderEvent =
  | {
      readonly kind: "backend-failed";
      readonly host: string;
      readonly port: number;
      readonly backend: Backend;
      readonly error: ErrorInfo;
    }
  | { readonly kind: "listener-failed"; readonly host: string; readonly port: number; readonly error: ErrorInfo };

/** What the forwarding thread tells the proxy. */
export type ForwardingReply =
  | { readonly kind: "ready" }
  | { readonly kind: "served"; readonly id: number; readonly ports: readonly PortOutcome[] }
  | { readonly kind: "unserved"; readonly id: number }
  | { readonly kind: "event"; readonly event: ForwarderEvent };

/** The forwarding thread's start-up data (`workerData`). */
export interface ForwardingWorkerData {
  /** Whether failed backend connections are reported (only when they would be logged: at debug level). */
  readonly reportBackendFailures: boolean;
}

/** The message and code of an error, as they can be posted between threads. */
export function errorInfo(err: unknown): ErrorInfo {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" ? { message: err.message, code } : { message: err.message };
}
