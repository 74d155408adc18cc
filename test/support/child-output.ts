import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

/** One JSON log line a process printed, as parsed. */
export type LogLine = Record<string, unknown>;

/** What a child process printed, kept as it arrives. */
export interface ChildOutput {
  /** Everything it printed so far, standard output and error as they arrived. */
  text(): string;
  /** Its JSON log lines so far: the lines of standard output that parse as JSON. */
  lines(): LogLine[];
  /**
   * Resolves with the first log line (printed so far or later) that `match` accepts; rejects when the
   * process exits first, or after `timeoutMs` (default 30 000), saying it waited for `what`.
   */
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** How much of the output a failure message quotes. */
const QUOTED_TAIL = 3000;

/** Keeps what `child` prints and parses its JSON log lines; `name` says whose they are in failure messages. */
export function captureChildOutput(child: ChildProcessByStdio<null, Readable, Readable>, name: string): ChildOutput {
  let text = "";
  let partial = "";
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const wakeWaiters = () => {
    for (const wake of waiters) wake();
  };

  child.stdout.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    const complete = (partial + chunk.toString()).split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      const parsed = parseLogLine(line);
      if (parsed) lines.push(parsed);
    }
    wakeWaiters();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.once("exit", wakeWaiters);

  const waitForLine: ChildOutput["waitForLine"] = (what, match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) return finish(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(() =>
            reject(
              new Error(
                `${name} exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n` +
                  text.slice(-QUOTED_TAIL),
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`${name} did not log ${what} within ${timeoutMs} ms:\n${text.slice(-QUOTED_TAIL)}`)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  return { text: () => text, lines: () => lines, waitForLine };
}

/** The JSON object on `line`; undefined for anything else. */
function parseLogLine(line: string): LogLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}
