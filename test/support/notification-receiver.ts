import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One notification the receiver got. */
export interface ReceivedNotification {
  /** The request path, e.g. `/hooks/T000/B000/secret`. */
  path: string;
  contentType: string | undefined;
  /** The body parsed as JSON (the raw text when it is not JSON). */
  body: unknown;
  /** When the request's body had arrived, ms since the epoch. */
  receivedAt: number;
}

/** How the receiver answers a request, given how many it got before: a status, after an optional delay. */
export type ReceiverBehaviour = (count: number) => {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
};

/** A local webhook receiver on a loopback port, answering as `behaviour` says (default 200 at once). */
export interface NotificationReceiver {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Every notification whose body arrived, oldest first (also the ones answered with an error or late). */
  received: ReceivedNotification[];
  /** Changes how the next requests are answered. */
  setBehaviour(behaviour: ReceiverBehaviour): void;
  /** Resolves once `count` notifications match `match`; rejects after `timeoutMs` saying what came. */
  waitFor(
    what: string,
    match: (n: ReceivedNotification) => boolean,
    options?: { count?: number; timeoutMs?: number },
  ): Promise<ReceivedNotification[]>;
  /** Stops listening and drops open connections (answers still delayed are never sent). */
  close(): Promise<void>;
}

/** Starts the receiver on a free loopback port, or on `port` (to bring back one that was down). */
export async function startNotificationReceiver(
  options: { port?: number; behaviour?: ReceiverBehaviour } = {},
): Promise<NotificationReceiver> {
  const received: ReceivedNotification[] = [];
  let behaviour: ReceiverBehaviour = options.behaviour ?? (() => ({ status: 200 }));
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
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
      const answer = behaviour(received.length);
      received.push({ path: req.url ?? "", contentType: req.headers["content-type"], body, receivedAt: Date.now() });
      for (const wake of waiters) wake();
      const respond = () => {
        if (!res.destroyed) res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers }).end("ok");
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          respond();
        }, answer.delayMs);
        timers.add(timer);
      } else respond();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    setBehaviour: (next) => (behaviour = next),
    waitFor: (what, match, { count = 1, timeoutMs = 15_000 } = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = received.filter(match);
          if (found.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; received: ` +
                JSON.stringify(received.map((n) => n.body)),
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
