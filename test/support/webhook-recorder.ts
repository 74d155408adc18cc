import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the recorder received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The `Authorization` header as sent, or undefined. */
  authorization: string | undefined;
  contentType: string | undefined;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  receivedAt: number;
}

/** A local HTTP server that answers every request 200 and keeps it, standing in for a webhook receiver. */
export interface WebhookRecorder {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request so far, oldest first. */
  requests: RecordedRequest[];
  /**
   * Resolves with the first request (received so far or later) for which `match` is true; rejects after
   * `timeoutMs` naming `what`.
   */
  waitFor(match: (request: RecordedRequest) => boolean, what: string, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** Starts the recorder on a free loopback port. */
export async function startWebhookRecorder(): Promise<WebhookRecorder> {
  const requests: RecordedRequest[] = [];
  const waiters = new Set<(request: RecordedRequest) => void>();
  const server: Server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the assertion shows what came.
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      for (const waiter of waiters) waiter(recorded);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (match, what, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const seen = requests.find(match);
        if (seen) return resolve(seen);
        const onRequest = (request: RecordedRequest) => {
          if (!match(request)) return;
          clearTimeout(timer);
          waiters.delete(onRequest);
          resolve(request);
        };
        const timer = setTimeout(() => {
          waiters.delete(onRequest);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${requests.length} request(s)`),
          );
        }, timeoutMs);
        waiters.add(onRequest);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
