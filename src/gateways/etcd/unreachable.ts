import { EtcdUnavailableError } from "../../core/errors.js";

/**
 * True when the error means the member did not answer (connection refused or dropped, deadline passed),
 * as opposed to an answer from etcd. etcd sends some refusals with the UNAVAILABLE code too
 * (`etcdserver: unhealthy cluster`); those carry `etcdserver:` and are answers.
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.message.includes("etcdserver:")) return false;
  const name = error.constructor.name;
  if (name === "GRPCUnavailableError" || name === "GRPCDeadlineExceededError" || name === "GRPCCancelledError")
    return true;
  return /^(1 CANCELLED|4 DEADLINE_EXCEEDED|14 UNAVAILABLE)\b/.test(error.message);
}

/** Wraps an unreachable-member failure into EtcdUnavailableError naming the URL; other errors pass through. */
export function toGatewayError(error: unknown, clientURL: string, action: string): unknown {
  if (error instanceof EtcdUnavailableError || !isUnreachable(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new EtcdUnavailableError(`etcd member ${clientURL} did not answer (${action}): ${detail}`, clientURL, {
    cause: error,
  });
}

/**
 * Settles with `work`, or rejects with EtcdUnavailableError after `timeoutMs`. gRPC deadlines bound each
 * call, but a token exchange before it has its own; this bounds the whole.
 */
export function withinDeadline<T>(work: Promise<T>, timeoutMs: number, clientURL: string, action: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EtcdUnavailableError(
            `etcd member ${clientURL} did not answer (${action}) within ${timeoutMs} ms`,
            clientURL,
          ),
        ),
      timeoutMs,
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
