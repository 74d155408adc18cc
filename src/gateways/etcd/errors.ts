import { EtcdUnavailableError, messageOf } from "../../core/errors.js";

/**
 * etcd reports membership refusals as generic gRPC errors, so these helpers read etcd's message text.
 * Each accepts any thrown value and also looks at its `cause` chain.
 */

/** Promotion refused because the learner has not caught up with the leader yet: retry. */
export function isLearnerNotInSync(error: unknown): boolean {
  return mentions(error, "can only promote a learner member which is in sync with leader");
}

/** Promotion refused because the member is not a learner (already promoted, e.g. by an earlier attempt). */
export function isMemberNotLearner(error: unknown): boolean {
  return messagesOf(error).some((m) => /can only promote a learner member(?! which)/.test(m));
}

/** Add refused because the cluster already has as many learners as it allows (one by default). */
export function isTooManyLearners(error: unknown): boolean {
  return mentions(error, "too many learner members in cluster");
}

/** Add refused by strict reconfiguration checking: the serving member is not connected to every voting peer. */
export function isUnhealthyCluster(error: unknown): boolean {
  return mentions(error, "etcdserver: unhealthy cluster");
}

/**
 * Add refused because a member with this peer URL is already listed, for instance because an earlier add
 * went through. etcd says `Peer URLs already exists`, or `member ID already exist` when the repeat comes
 * within the same second (the new ID derives from the peer URLs and the time in seconds); both count.
 */
export function isPeerURLExists(error: unknown): boolean {
  return messagesOf(error).some(
    (m) => /peer urls already exists/i.test(m) || m.includes("etcdserver: member ID already exist"),
  );
}

/** Remove or promote of an ID the cluster does not list (anymore). */
export function isMemberNotFound(error: unknown): boolean {
  return mentions(error, "etcdserver: member not found");
}

/** Remove or voting add refused because too few members would be started afterwards. */
export function isNotEnoughStartedMembers(error: unknown): boolean {
  return mentions(error, "re-configuration failed due to not enough started members");
}

/** The server predates learners (etcd before 3.4): it has no MemberPromote. */
export function isLearnerUnsupported(error: unknown): boolean {
  return messagesOf(error).some(
    (m) => /unknown method MemberPromote/i.test(m) || /^12 UNIMPLEMENTED:.*Member(Promote|Add)/.test(m),
  );
}

function mentions(error: unknown, text: string): boolean {
  return messagesOf(error).some((m) => m.includes(text));
}

/** Messages of an error and its causes; a string counts as a message. */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current === "string") {
      messages.push(current);
      break;
    }
    if (typeof current !== "object") break;
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === "string") messages.push(message);
    current = cause;
  }
  return messages;
}

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
  const detail = messageOf(error);
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
