import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { PodLogOptions } from "../pod-runtime.js";

export type LogStream = "stdout" | "stderr";

/** One line of a container's output and when it was written. */
export interface LogLine {
  /** RFC 3339 time with milliseconds. */
  time: string;
  stream: LogStream;
  text: string;
}

/**
 * Writes a container run's output to its log file, one line per output line with its time and stream
 * (`<time> <stream> F <text>`, the CRI log format), so logs can be filtered by time and shown with
 * timestamps. Writes are synchronous: a log read right after a crash sees the last line.
 */
export class LogWriter {
  private fd: number | undefined;
  private readonly partial: Record<LogStream, string> = { stdout: "", stderr: "" };
  private readonly decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }

  /** Records a chunk of output; complete lines are written at once, a trailing partial line waits. */
  write(stream: LogStream, chunk: Buffer | string): void {
    const text = this.partial[stream] + (typeof chunk === "string" ? chunk : this.decoders[stream].write(chunk));
    const lines = text.split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.writeLine(stream, line);
  }

  /** Writes a line directly (messages of the runtime itself, such as a failed start). */
  writeLine(stream: LogStream, text: string): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${new Date().toISOString()} ${stream} F ${text}\n`);
  }

  /** Flushes partial lines and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = "";
      if (rest) this.writeLine(stream, rest);
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The lines of a log file; a missing file has none. */
export function readLogLines(path: string): LogLine[] {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const out: LogLine[] = [];
  for (const raw of content.split("\n")) {
    const match = raw.match(/^(\S+) (stdout|stderr) [FP] (.*)$/);
    if (match) out.push({ time: match[1] ?? "", stream: match[2] as LogStream, text: match[3] ?? "" });
  }
  return out;
}

/**
 * The text `kubectl logs` shows for these lines: `sinceSeconds` first, then `tailLines`, each line
 * optionally prefixed with its time, then cut to `limitBytes`.
 */
export function renderLog(lines: readonly LogLine[], options: PodLogOptions, nowMs: number): string {
  let selected = [...lines];
  if (options.sinceSeconds !== undefined && options.sinceSeconds > 0) {
    const since = nowMs - options.sinceSeconds * 1000;
    selected = selected.filter((line) => Date.parse(line.time) >= since);
  }
  if (options.tailLines !== undefined && options.tailLines >= 0) {
    selected = options.tailLines === 0 ? [] : selected.slice(-options.tailLines);
  }
  const text = selected.map((line) => (options.timestamps ? `${line.time} ${line.text}\n` : `${line.text}\n`)).join("");
  if (options.limitBytes !== undefined && options.limitBytes >= 0) {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length > options.limitBytes) return bytes.subarray(0, options.limitBytes).toString("utf8");
  }
  return text;
}
