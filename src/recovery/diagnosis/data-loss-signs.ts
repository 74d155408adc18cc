import { logLines, readableLogLine } from "./log-lines.js";

/** What etcd writes when a member lost its data (or its place in the cluster) and can only come back by remove + add + wipe. */
const DATA_LOSS_SIGNS: { sign: string; pattern: RegExp }[] = [
  // Restarted empty with --initial-cluster-state=new under an identity the cluster knows.
  { sign: "already bootstrapped", pattern: /has already been bootstrapped/ },
  // Restarted empty with --initial-cluster-state=existing: the leader sends entries the member never had.
  { sign: "raft log lost", pattern: /tocommit\(\d+\) is out of range/ },
  {
    sign: "raft log lost",
    pattern: /raft log (was )?(corrupted|truncated|lost)|Was the raft log corrupted, truncated, or lost/i,
  },
  // Came back with old data after its entry was removed.
  { sign: "removed from the cluster", pattern: /member has been permanently removed from the cluster/ },
  // Restarted with --initial-cluster-state=existing after its entry was removed (or replaced): the
  // --initial-cluster it was given no longer matches the cluster. Same fix: add it again, start it afresh.
  // etcd words the mismatch several ways (member count unequal, unmatched member, resolved URLs differ).
  { sign: "not in the member list", pattern: /error validating peerURLs/ },
];

/** A data-loss sign found in a log. */
export interface DataLossSign {
  /** Short name of the sign, e.g. `already bootstrapped`. */
  sign: string;
  /** The log line that shows it, readable (see `readableLogLine`). */
  line: string;
}

/** The most recent line of `log` that shows etcd lost the member's data; undefined when none does. */
export function findDataLossSign(log: string): DataLossSign | undefined {
  const lines = logLines(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    const found = DATA_LOSS_SIGNS.find((s) => s.pattern.test(line));
    if (found) return { sign: found.sign, line: readableLogLine(line) };
  }
  return undefined;
}
