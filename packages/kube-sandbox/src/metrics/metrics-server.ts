import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ObjectStore } from "../api/object-store.js";
import { EXPOSITION_CONTENT_TYPE } from "./exposition-format.js";
import { renderKubeStateMetrics } from "./kube-state-metrics.js";

export interface MetricsServerOptions {
  /** The store whose pods and Deployments are described. */
  store: ObjectStore;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
}

export interface MetricsServer {
  /** Where Prometheus scrapes: `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (kube-state-metrics text format) and `GET /healthz` over plain HTTP. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reads = req.method === "GET" || req.method === "HEAD";
    if (reads && path === "/metrics") {
      let body: string;
      try {
        body = renderKubeStateMetrics(options.store);
      } catch (error) {
        res
          .writeHead(500, { "Content-Type": "text/plain; charset=utf-8" })
          .end(`cannot render metrics: ${String(error)}\n`);
        return;
      }
      res.writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (reads && path === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end("ok");
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("404 page not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections of a scraper must not hold the close open.
        server.closeIdleConnections();
      }),
  };
}
