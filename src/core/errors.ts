/** What every error of the responder carries beyond `Error`. */
export interface ResponderErrorOptions {
  /** Whether trying the same work again later can succeed (a transient failure), or never will. */
  retryable: boolean;
  /** The lower-level failure this one explains, kept for logs. */
  cause?: unknown;
}

/**
 * Base of the responder's typed errors. `retryable` tells the queue whether another attempt can help,
 * so callers never have to match message text to decide.
 */
export class ResponderError extends Error {
  /** Whether trying the same work again later can succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: ResponderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Subclasses get their own name in logs and stack traces without repeating this line.
    this.name = new.target.name;
    this.retryable = options.retryable;
    // Keeps `instanceof` working even when the code is compiled to an older target.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** One thing wrong with the configuration, located by its key path. */
export interface ConfigProblem {
  /** Where in the file, e.g. `clusters[0].members`; empty when the problem concerns the whole file. */
  keyPath: string;
  /** What is wrong, e.g. `expected a number from 1 to 9, got "five"`. */
  message: string;
}

/**
 * The configuration cannot be used. Not retryable: the file has to be fixed.
 * The message names the file and the key path: `config.yaml: clusters[0].members: expected a number from 1 to 9, got
 * "five"`.
 */
export class ConfigError extends ResponderError {
  /** The file (or other source) the configuration came from. */
  readonly source: string;
  /** Key path of the first problem; empty when it concerns the whole file. */
  readonly keyPath: string;
  /** Every problem found, in file order as far as known. */
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: ConfigProblem | readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    const list = Array.isArray(problems) ? (problems as readonly ConfigProblem[]) : [problems as ConfigProblem];
    super(list.map((problem) => formatProblem(source, problem)).join("\n"), { retryable: false, cause: options.cause });
    this.source = source;
    this.keyPath = list[0]?.keyPath ?? "";
    this.problems = list;
  }
}

function formatProblem(source: string, problem: ConfigProblem): string {
  return problem.keyPath ? `${source}: ${problem.keyPath}: ${problem.message}` : `${source}: ${problem.message}`;
}

/**
 * A wait ran out of time. Retryable: the state may still converge. The message says what was awaited,
 * for how long, and the last thing seen: `gave up after 120 s waiting for learner example3 to be in sync (last: ...)`.
 */
export class DeadlineExceededError extends ResponderError {
  /** What the wait was for, e.g. `learner example3 to be in sync`. */
  readonly waitedFor: string;
  /** How long it waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(waitedFor: string, timeoutMs: number, options: { lastObservation?: string; cause?: unknown } = {}) {
    const last = options.lastObservation ? ` (last: ${options.lastObservation})` : "";
    super(`gave up after ${formatDuration(timeoutMs)} waiting for ${waitedFor}${last}`, {
      retryable: true,
      cause: options.cause,
    });
    this.waitedFor = waitedFor;
    this.timeoutMs = timeoutMs;
  }
}

function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/**
 * An etcd member (or every member asked) could not be reached in time. Retryable: members come back,
 * and the recovery checks the world again before it changes anything.
 */
export class EtcdUnavailableError extends ResponderError {
  /** The client URLs that were asked and did not answer. */
  readonly clientURLs: readonly string[];

  constructor(message: string, clientURLs: string | readonly string[], options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
    this.clientURLs = typeof clientURLs === "string" ? [clientURLs] : [...clientURLs];
  }
}

/**
 * The recovery refused to act because acting could hurt the cluster (quorum lost, cluster ID mismatch,
 * more members dead than the cluster tolerates). Not retryable: a human has to look.
 */
export class UnsafeRecoveryError extends ResponderError {
  /** A short, stable reason for metrics and alerts, e.g. `quorum-lost` or `cluster-id-mismatch`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.reason = reason;
  }
}

/**
 * The recovery lost its Lease (another holder took it, or it could not be renewed before it expired), so it
 * stopped at the next step boundary: someone else may act on the cluster now. Retryable: a later run takes
 * the Lease again and resumes.
 */
export class LeaseRenewalError extends ResponderError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
  }
}

/**
 * The member is in a state that does not tell yet whether it needs recovery (its Pod is starting, or
 * it answers but has not settled). Retryable: a later attempt sees a clearer state. Nothing was changed.
 */
export class MemberNotDiagnosableError extends ResponderError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

/** The recovery was asked to stop (SIGINT, SIGTERM, a worker shutting down) and stopped at a step boundary. */
export class RecoveryInterruptedError extends ResponderError {
  constructor(step: string) {
    // Every step checks the world before changing it, so another run picks up where this one stopped.
    super(`interrupted before step ${step}; run again to resume`, { retryable: true });
  }
}

/** What a lookup in the cluster catalog did not find: a cluster, a member, or one cluster for a bare name. */
export type NotConfiguredKind = "cluster" | "member" | "ambiguous-cluster";

/**
 * A request named a cluster or member the configuration does not have, or a cluster name that several
 * namespaces use without saying which. Not retryable: the request (or the configuration) is wrong. The
 * message says what is configured.
 */
export class NotConfiguredError extends ResponderError {
  /** What was not found. */
  readonly kind: NotConfiguredKind;

  constructor(kind: NotConfiguredKind, message: string) {
    super(message, { retryable: false });
    this.kind = kind;
  }
}

/**
 * Redis, the queue's only shared state, could not be reached in time. Retryable: the HTTP layer answers
 * 503 so Alertmanager sends the alert again, and nothing was half-written.
 */
export class QueueUnavailableError extends ResponderError {
  /** What could not be done, e.g. `queue a recovery`. */
  readonly operation: string;
  /** The Redis asked, as `host:port` (never with credentials). */
  readonly redis: string;

  constructor(operation: string, redis: string, options: { cause?: unknown } = {}) {
    const why = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot ${operation}: Redis at ${redis} is unreachable${why}; try again later`, {
      retryable: true,
      cause: options.cause,
    });
    this.operation = operation;
    this.redis = redis;
  }
}

/**
 * Fewer Redis replicas than required confirmed that they hold an accepted recovery request (`WAIT`), or the
 * connection changed on the way, so a failover of the master could lose it. Retryable: the HTTP layer answers
 * 503, the sender sends again, and the request joins the recovery it may already have queued.
 */
export class ReplicationUnconfirmedError extends ResponderError {
  /** The replicas required. */
  readonly required: number;
  /** The replicas that confirmed; undefined when the connection changed before they could be asked. */
  readonly confirmed: number | undefined;

  constructor(required: number, confirmed: number | undefined, waitedMs: number) {
    const what =
      confirmed === undefined
        ? "the connection to the Redis master changed before the replicas confirmed"
        : `${confirmed} of ${required} required Redis replicas confirmed within ${waitedMs} ms`;
    super(`cannot confirm the recovery request is stored: ${what}; try again later`, { retryable: true });
    this.required = required;
    this.confirmed = confirmed;
  }
}

/**
 * Someone else holds the Lease and has renewed it recently. Retryable: it is free again once its holder
 * releases it or lets it expire.
 */
export class LeaseHeldError extends ResponderError {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** Who holds it, as its `holderIdentity` says. */
  readonly holder: string;
  /** When it expires unless renewed (last renewal + duration); undefined when unknown. */
  readonly expiresAt: Date | undefined;

  constructor(lease: string, holder: string, expiresAt: Date | undefined, options: { cause?: unknown } = {}) {
    const until = expiresAt ? ` until ${expiresAt.toISOString()} unless renewed` : "";
    super(`Lease ${lease} is held by "${holder}"${until}`, { retryable: true, cause: options.cause });
    this.lease = lease;
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

/**
 * A Lease the responder held is no longer its own: another holder took it over, or it was deleted.
 * Not retryable: the work it guarded must stop, since someone else may be doing it now.
 */
export class LeaseLostError extends ResponderError {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** The identity that held it. */
  readonly holder: string;
  /** Who holds it now; undefined when the Lease is gone or has no holder. */
  readonly currentHolder: string | undefined;

  constructor(lease: string, holder: string, currentHolder: string | undefined) {
    const now = currentHolder ? `it is held by "${currentHolder}" now` : "it was released or deleted";
    super(`Lease ${lease} is no longer held by "${holder}": ${now}`, { retryable: false });
    this.lease = lease;
    this.holder = holder;
    this.currentHolder = currentHolder;
  }
}

/**
 * An environment variable the service reads has a value it cannot use. Not retryable: the environment has
 * to be fixed. The message names the variable and the value.
 */
export class ServiceEnvError extends ResponderError {
  /** The variable concerned, e.g. `PORT`. */
  readonly variable: string;

  constructor(variable: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.variable = variable;
  }
}

/**
 * The API credentials cannot be set up from the environment: a ServiceEnvError whose variable (and file)
 * is one of the credentials', e.g. `AUTH_TOKEN_FILE`.
 */
export class AuthSettingsError extends ServiceEnvError {}

/**
 * Whether trying the same work again later can help, as the error itself says: a ResponderError knows;
 * any other error (a bug, or a failure no gateway typed) says nothing, and each caller decides what that
 * means for it.
 */
export function retryableOf(error: unknown): boolean | undefined {
  return error instanceof ResponderError ? error.retryable : undefined;
}

/** The message of anything thrown: an Error's message, or what it reads as. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The responder's own identity lacks permissions the recovery needs, so it refused before changing anything.
 * Not retryable: a human has to add the rules the message names to the responder's Role.
 */
export class MissingPermissionsError extends UnsafeRecoveryError {
  /** Each missing permission, e.g. `update deployments.apps in namespace default`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], message: string) {
    super("missing-permissions", message);
    this.missing = [...missing];
  }
}

/**
 * The responder could not find out whether it has the permissions the recovery needs (the review was denied,
 * or the API server did not answer). None is taken as granted. Retryable when the review's failure was.
 */
export class PermissionCheckError extends ResponderError {
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options);
  }
}
