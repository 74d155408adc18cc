import { logLines, readableLogLine } from "./log-lines.js";

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
