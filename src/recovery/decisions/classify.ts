import type { PodFacts } from "../pods.js";

/**
 * What to do with the member: `healthy` nothing; `recover` stop, remove, add, start, promote, verify;
 * `resume-promote` an earlier run got as far as a started learner; `resume-verify` the member votes and
 * answers but its Pod is not Ready yet; `refuse` a human has to look; `retry-later` too early to tell.
 */
type Verdict = "healthy" | "recover" | "resume-promote" | "resume-verify" | "refuse" | "retry-later";

/** What the facts about one member decide. */
export interface Classification {
  verdict: Verdict;
  /** One sentence saying what was seen, e.g. `Pod example-3-abc is in CrashLoopBackOff: member ... has already been ` +
    `bootstrapped`. */
  reason: string;
  /** For `refuse`: a short stable reason, e.g. `statefulset-member`. */
  refusal?: string;
}

/** Everything the classification looks at, as plain data. */
export interface DiagnosisFacts {
  /** Where the member runs, for people: `Deployment example-2` or `Pod example-2 of StatefulSet example`. */
  runner: string;
  /** The kind of the member's workload, as configured. */
  kind: "Deployment" | "StatefulSet";
  /** The cluster's namespace. */
  namespace: string;
  /** The member's etcd name. */
  memberName: string;
  /** The member's peer URL, which identifies it in the member list. */
  peerURL: string;
  /** Whether the member's workload (Deployment or StatefulSet) exists. */
  workloadExists: boolean;
  /** The Deployment's `spec.replicas` (1 when unset); a StatefulSet's, for its member's ordinal: 1 or 0. */
  replicas: number;
  /**
   * A Deployment member's PersistentVolumeClaim (its template mounts one): its data survives its Pod, so a Deployment
   * scaled to 0 or without a Pod has not lost it. StatefulSet members always have a claim.
   */
  persistentVolumeClaim?: string;
  /** An earlier attempt of this member's recovery marked its workload (it changed the member, e.g. scaled it to 0). */
  earlierAttempt?: boolean;
  /** The member's current Pod; undefined when it has none. */
  pod?: PodFacts;
  /** The etcd container's last log (the previous run's when it restarted). */
  log: string;
  /** Whether a member of the real cluster returned the member list. */
  listKnown: boolean;
  /** The real cluster's ID, when known. */
  clusterId?: string;
  /** The member list's entry with the member's peer URL; a name means the member has started under it before. */
  listEntry?: { id: string; isLearner: boolean; name?: string };
  /** What the member's own client URL answered to a status call; undefined when it did not answer. */
  memberStatus?: { clusterId: string; memberId: string; leader: string; isLearner: boolean };
}

/** Decides from plain facts whether and how to recover the member (see the `Verdict` cases). */
export function classifyMember(facts: DiagnosisFacts): Classification {
  const { pod, listEntry, memberStatus } = facts;
  const runner = facts.runner;

  if (!facts.workloadExists) {
    return refuse(
      facts.kind === "Deployment" ? "no-deployment" : "no-statefulset",
      `no ${runner.replace(/^Pod \S+ of /, "")} in ${facts.namespace}`,
    );
  }
  const joined =
    pod !== undefined &&
    !pod.deleting &&
    memberStatus !== undefined &&
    listEntry !== undefined &&
    memberStatus.clusterId === facts.clusterId &&
    memberStatus.memberId === listEntry.id;
  if (joined) {
    if (listEntry.isLearner) {
      return {
        verdict: "resume-promote",
        reason:
          `member ${facts.memberName} is a learner that answers (an earlier recovery started it); resuming at ` +
          `promote`,
      };
    }
    if (pod.ready) {
      return {
        verdict: "healthy",
        reason:
          `already healthy: Pod ${pod.name} is Ready and member ${facts.memberName} is a voting member that ` +
          `answers`,
      };
    }
    return {
      verdict: "resume-verify",
      reason: `member ${facts.memberName} votes and answers, but Pod ${pod.name} is not Ready yet; verifying`,
    };
  }

  const recover = (reason: string): Classification => ({ verdict: "recover", reason });
  // On a claim, a stopped member's data is still there: only an earlier attempt's stop means it is to be recovered.
  const claim = facts.persistentVolumeClaim;
  const keptData = claim !== undefined && !facts.earlierAttempt;

  if (facts.kind === "StatefulSet") {
    if (facts.replicas === 0) {
      return refuse(
        "ordinal-not-run",
        `${runner} is not run: the StatefulSet's replicas do not reach its ordinal (scale it up first)`,
      );
    }
    if (pod === undefined) {
      return {
        verdict: "retry-later",
        reason: `not diagnosable yet; retry later: ${runner} does not exist (the StatefulSet controller makes it)`,
      };
    }
  }
  if (facts.replicas === 0) {
    return keptData
      ? refuse(
          "scaled-to-zero-on-claim",
          `${runner} is scaled to 0, but its data stays on PersistentVolumeClaim ${claim}: scale it up first`,
        )
      : recover(`${runner} is scaled to 0`);
  }
  if (pod === undefined) {
    return keptData
      ? {
          verdict: "retry-later",
          reason:
            `not diagnosable yet; retry later: no Pod of ${runner} exists (the Deployment controller makes it), and ` +
            `its data stays on PersistentVolumeClaim ${claim}`,
        }
      : recover(`no Pod of ${runner} exists`);
  }
  if (memberStatus !== undefined && facts.clusterId !== undefined && memberStatus.clusterId !== facts.clusterId) {
    const foreign =
      `Pod ${pod.name} answers for cluster ${memberStatus.clusterId}, not for the cluster's ${facts.clusterId} (it ` +
      `is not part of the cluster)`;
    // Its claim holds another cluster's data, which answers: nothing the wipe rule allows to empty.
    return keptData
      ? refuse("foreign-data-on-claim", `${foreign}, and that data is on PersistentVolumeClaim ${claim}`)
      : recover(foreign);
  }
  if (pod.crashLooping) {
    const state =
      pod.stateReason === "CrashLoopBackOff"
        ? "is in CrashLoopBackOff"
        : `keeps crashing (exit code ${pod.exitCode ?? "unknown"})`;
    const sign = findDataLossSign(facts.log, { startedBefore: Boolean(listEntry?.name) });
    if (sign) return recover(`Pod ${pod.name} ${state}: ${sign.line}`);
    const last = meaningfulLogLine(facts.log);
    return refuse(
      "crash-not-data-loss",
      `Pod ${pod.name} ${state}, but its log shows no sign of lost data, so remove + add would not help; last log ` +
        `line: ${last ?? "(the log is empty)"}`,
    );
  }
  if (!facts.listKnown) {
    // The guard refuses this case (nobody with a leader answers); the diagnosis says what it could not see.
    return recover(`cannot tell whether Pod ${pod.name} is part of the cluster: no member returned the member list`);
  }
  if (pod.state === "running" && !pod.deleting && listEntry === undefined) {
    const unlisted = `Pod ${pod.name} is Running but its peer URL ${facts.peerURL} is not in the member list`;
    // On a claim its write-ahead log stays: once etcd says it was removed, that sign empties the claim.
    if (keptData) {
      return {
        verdict: "retry-later",
        reason: `not diagnosable yet; retry later: ${unlisted}, and its data stays on PersistentVolumeClaim ${claim}`,
      };
    }
    return recover(unlisted);
  }

  const podState = pod.deleting ? "Terminating" : (pod.stateReason ?? pod.phase);
  const membership = listEntry === undefined ? "not in the member list" : "in the member list but does not answer";
  return {
    verdict: "retry-later",
    reason:
      `not diagnosable yet; retry later: Pod ${pod.name} is ${podState} (restarts: ${pod.restartCount}) and ` +
      `member ${facts.memberName} is ${membership}`,
  };
}

function refuse(refusal: string, reason: string): Classification {
  return { verdict: "refuse", reason, refusal };
}

/** What a data-loss sign says about the member's data dir. */
export type DataDirState =
  /** Empty: etcd stopped before it wrote anything. */
  | "empty"
  /** Holds a write-ahead log the cluster no longer knows (fresh, or a removed member's): it must be emptied. */
  | "stale"
  /** Not known from the log alone. */
  | "unknown";

/**
 * What etcd (and the bitnami image's start scripts) write when a member lost its data, or its place in the cluster,
 * and can only come back by remove + add with an empty data dir.
 */
const DATA_LOSS_SIGNS: { sign: string; pattern: RegExp; dataDir: DataDirState; needsEarlierStart?: boolean }[] = [
  // Restarted empty with --initial-cluster-state=new under an identity the cluster knows.
  { sign: "already bootstrapped", pattern: /has already been bootstrapped/, dataDir: "empty" },
  // Restarted empty with --initial-cluster-state=existing under its old ID: the leader sends entries the member
  // never had, after it wrote a fresh write-ahead log.
  { sign: "raft log lost", pattern: /tocommit\(\d+\) is out of range/, dataDir: "stale" },
  {
    sign: "raft log lost",
    pattern: /raft log (was )?(corrupted|truncated|lost)|Was the raft log corrupted, truncated, or lost/i,
    dataDir: "stale",
  },
  // Came back with a write-ahead log under an ID that was removed.
  {
    sign: "removed from the cluster",
    pattern: /member has been permanently removed from the cluster/,
    dataDir: "stale",
  },
  {
    sign: "removed from the cluster",
    pattern: /rejected stream from remote peer .* since it was removed/,
    dataDir: "stale",
  },
  // Restarted with --initial-cluster-state=existing after its entry was removed (or replaced): the
  // --initial-cluster it was given no longer matches the cluster. Same fix: add it again, start it afresh.
  // etcd words the mismatch several ways (member count unequal, unmatched member, resolved URLs differ).
  { sign: "not in the member list", pattern: /error validating peerURLs/, dataDir: "unknown" },
  // The bitnami image's start scripts: the member ID they keep beside the data is gone.
  { sign: "member ID lost", pattern: /Member ID wasn't properly stored/, dataDir: "unknown" },
  // zap's start line: no write-ahead log. Every first start prints it, so it counts only for a member that has
  // started before.
  { sign: "started without data", pattern: /"member-initialized":false/, dataDir: "empty", needsEarlierStart: true },
];

/** A data-loss sign found in a log. */
export interface DataLossSign {
  /** Short name of the sign, e.g. `already bootstrapped`. */
  sign: string;
  /** The log line that shows it, readable (see `readableLogLine`). */
  line: string;
  /** What the sign says about the data dir. */
  dataDir: DataDirState;
}

/**
 * The most recent line of `log` that shows etcd lost the member's data; undefined when none does. `startedBefore`:
 * the member is known to have run before (the member list has its name), so a start without data is a loss.
 */
export function findDataLossSign(log: string, options: { startedBefore?: boolean } = {}): DataLossSign | undefined {
  return lastSign(log, (s) => !s.needsEarlierStart || options.startedBefore === true);
}

/** The most recent sign in `log` that the data dir holds a write-ahead log the cluster no longer knows. */
export function findStaleDataSign(log: string): DataLossSign | undefined {
  return lastSign(log, (s) => s.dataDir === "stale");
}

function lastSign(log: string, counts: (sign: (typeof DATA_LOSS_SIGNS)[number]) => boolean): DataLossSign | undefined {
  const lines = logLines(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    const found = DATA_LOSS_SIGNS.find((s) => counts(s) && s.pattern.test(line));
    if (found) return { sign: found.sign, line: readableLogLine(line), dataDir: found.dataDir };
  }
  return undefined;
}

const MAX_QUOTE = 300;

/**
 * One log line as a person wants to read it: etcd's capnslog prefix (`2024-01-01 10:00:00.000000 C | `)
 * and zap's JSON wrapping removed, shortened to a few hundred characters.
 */
export function readableLogLine(line: string): string {
  const trimmed = line.trim();
  let text = trimmed;
  if (trimmed.startsWith("{")) {
    try {
      const entry = JSON.parse(trimmed) as { msg?: unknown; error?: unknown };
      if (typeof entry.msg === "string")
        text = typeof entry.error === "string" ? `${entry.msg}: ${entry.error}` : entry.msg;
    } catch {
      // Not JSON after all: quote it as it is.
    }
  } else {
    const capnslog = /(?:^|\s)[A-Z] \| (.*)$/.exec(trimmed);
    if (capnslog?.[1]) text = capnslog[1];
  }
  // etcd puts the cause at the end of long lines (after a dump of the member list): keep both ends.
  return text.length > MAX_QUOTE ? `${text.slice(0, 160)} … ${text.slice(-(MAX_QUOTE - 163))}` : text;
}

/** Non-empty lines of a log, oldest first. */
function logLines(log: string): string[] {
  return log.split(/\r?\n/).filter((line) => line.trim() !== "");
}

/** Go's flag package: a bad command line, printed before the usage text that follows it. */
const FLAG_ERROR =
  /flag provided but not defined|invalid value ".*" for flag|flag needs an argument|invalid boolean flag/;

/**
 * The line of a crashed container's log that says why it stopped: the last critical (`C |`), fatal
 * (`F |`) or panic line, else a command-line flag error, else the last line mentioning an error or
 * fatal, else the last line. Undefined for an empty log.
 */
export function meaningfulLogLine(log: string): string | undefined {
  const lines = logLines(log);
  const lastMatching = (pattern: RegExp) => [...lines].reverse().find((line) => pattern.test(line));
  const line =
    lastMatching(/(^|\s)[CFP] \| |^panic: |"level":"(fatal|panic)"/) ??
    lastMatching(FLAG_ERROR) ??
    lastMatching(/error|fatal/i) ??
    lines[lines.length - 1];
  return line === undefined ? undefined : readableLogLine(line);
}
