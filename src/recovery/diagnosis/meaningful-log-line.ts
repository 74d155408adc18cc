import { logLines, readableLogLine } from "./log-lines.js";

/**
 * The line of a crashed container's log that says why it stopped: the last critical (`C |`), fatal
 * (`F |`) or panic line, else the last line mentioning an error or fatal, else the last line.
 * Undefined for an empty log.
 */
export function meaningfulLogLine(log: string): string | undefined {
  const lines = logLines(log);
  const lastMatching = (pattern: RegExp) => [...lines].reverse().find((line) => pattern.test(line));
  const line =
    lastMatching(/(^|\s)[CFP] \| |^panic: |"level":"(fatal|panic)"/) ?? lastMatching(/error|fatal/i) ?? lines[lines.length - 1];
  return line === undefined ? undefined : readableLogLine(line);
}
