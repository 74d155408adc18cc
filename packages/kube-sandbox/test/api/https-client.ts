import { request as httpsRequest } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { KeyPairPem } from "../../src/pki/certificate-authority.js";
import type { ApiHarness } from "./api-harness.js";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  /** The client certificate to present; default the harness's admin, `null` for none. */
  client?: KeyPairPem | null;
}

/** One HTTPS request to the harness's server, trusting its CA, as its admin unless `client` says otherwise. */
export function call(harness: ApiHarness, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const url = new URL(path, harness.server.url);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string" || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE body with neither length nor chunking otherwise.
    const length = body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) };
    const headers = { "Content-Type": "application/json", ...length, ...options.headers };
    const client = options.client === undefined ? harness.admin : (options.client ?? {});
    const req = httpsRequest(url, { method, ca: harness.caPem, headers, ...client }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** An open watch: its lines as they arrive, a way to wait for them, and a way to hang up. */
export interface OpenStream {
  status: number;
  headers: IncomingHttpHeaders;
  events: { type: string; object: Record<string, unknown> }[];
  /** Waits until `done()` holds, or fails after `timeoutMs` naming `what`. */
  until(what: string, done: () => boolean, timeoutMs?: number): Promise<void>;
  ended(): boolean;
  /** Whether it ended without the stream's last chunk: the connection was cut. */
  aborted(): boolean;
  close(): void;
}

export function openStream(
  harness: ApiHarness,
  path: string,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  const url = new URL(path, harness.server.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: harness.caPem, headers, ...harness.admin }, (res) => {
      const events: OpenStream["events"] = [];
      const waiters = new Set<() => void>();
      let buffered = "";
      let ended = false;
      const notify = () => waiters.forEach((w) => w());
      res.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let at: number;
        while ((at = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, at);
          buffered = buffered.slice(at + 1);
          if (line.trim()) events.push(JSON.parse(line) as OpenStream["events"][number]);
        }
        notify();
      });
      const finish = () => {
        ended = true;
        notify();
      };
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        ended: () => ended,
        aborted: () => ended && !res.complete,
        close: () => req.destroy(),
        until: (what, done, timeoutMs = 5000) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (!done()) return;
              clearTimeout(timer);
              waiters.delete(check);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(
                  `timed out after ${timeoutMs} ms waiting for ${what}; ` +
                    `saw ${JSON.stringify(events.map((e) => e.type))}`,
                ),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
