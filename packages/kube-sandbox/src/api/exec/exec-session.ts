import { PassThrough, Writable } from "node:stream";
import { WebSocket, type RawData } from "ws";
import type { Logger } from "../../logger.js";
import type { ExecStreams, PodRuntime } from "../../pod-runtime.js";
import type { ExecRequest } from "./exec-request.js";
import { exitStatus, failureStatus } from "./exec-status.js";

/** Channel numbers of the Kubernetes remote command WebSocket protocol (first byte of each frame). */
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

export interface ExecSessionOptions {
  ws: WebSocket;
  runtime: PodRuntime;
  namespace: string;
  pod: string;
  request: ExecRequest;
  logger: Logger;
  /** Called once when the session is over. */
  onClose(): void;
}

/**
 * Runs one command for an upgraded `pods/exec` connection: stdin from channel 0 (ended by
 * `[255, 0]` or by the client going away), output on channels 1 and 2 (only those asked for), then
 * the exit status on channel 3 and a normal close.
 */
export function runExecSession(options: ExecSessionOptions): void {
  const { ws, runtime, namespace, pod, request, logger } = options;
  const stdin = request.stdin ? new PassThrough() : undefined;
  const streams: ExecStreams = {};
  if (stdin) streams.stdin = stdin;
  if (request.stdout) streams.stdout = channelWriter(ws, CHANNEL.stdout);
  // With a TTY the terminal merges both outputs into stdout, as Kubernetes does.
  if (request.stderr && !request.tty) streams.stderr = channelWriter(ws, CHANNEL.stderr);

  ws.on("message", (data: RawData) => {
    const frame = toBuffer(data);
    if (frame.length === 0) return;
    if (frame[0] === CHANNEL.stdin) stdin?.write(frame.subarray(1));
    else if (frame[0] === CHANNEL.close && frame[1] === CHANNEL.stdin) stdin?.end();
    // Resize (4) has no meaning without a terminal to size.
  });
  ws.on("error", (error) => logger.debug({ err: error, pod }, "exec connection error"));
  ws.on("close", () => {
    if (stdin && !stdin.writableEnded) stdin.end();
    options.onClose();
  });

  // A runtime that throws at once must fail the session like one that rejects.
  Promise.resolve()
    .then(() => runtime.exec(namespace, pod, request.container, request.command, streams))
    .then((exitCode) => finish(ws, exitStatus(request.command, exitCode)))
    .catch((error: unknown) => {
      logger.warn({ err: error, namespace, pod, command: request.command }, "exec failed");
      finish(ws, failureStatus(error));
    });
}

function finish(ws: WebSocket, status: Record<string, unknown>): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(frame(CHANNEL.status, Buffer.from(JSON.stringify(status))), () => ws.close(1000));
}

/** A stream whose writes go out as frames on one channel; once the client is gone they are dropped. */
function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (ws.readyState !== WebSocket.OPEN) return callback();
      ws.send(frame(channel, Buffer.from(chunk)), () => callback());
    },
  });
}

function frame(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), data]);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
