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
export function logLines(log: string): string[] {
  return log.split(/\r?\n/).filter((line) => line.trim() !== "");
}
