import { createServer } from "node:https";
import type { Logger } from "../logger.js";
import type { DeleteObject } from "../controllers/delete-object.js";
import type { PodRuntime } from "../pod-runtime.js";
import type { ApiContext } from "./api-context.js";
import type { PodAdmission } from "./admission/service-account-admission.js";
import { ServiceAccountTokens } from "./auth/service-account-tokens.js";
import { createExecUpgradeHandler } from "./exec/exec-upgrade.js";
import { FaultSwitch } from "./faults/fault-switch.js";
import type { ObjectStore } from "./object-store.js";
import { ensureNamespaces } from "./objects/ensure-namespaces.js";
import { addressPool, type ServiceAddresses } from "./objects/service-addresses.js";
import { trackServiceAddresses } from "./objects/track-service-addresses.js";
import { ensureBootstrapPolicy } from "./rbac/bootstrap-policy.js";
import { handleRequest } from "./routing/handle-request.js";

export interface ApiServerOptions {
  /** Where every object lives. */
  store: ObjectStore;
  /** The kubelet: answers `pods/log` and runs `pods/exec`. */
  runtime: PodRuntime;
  /** Carries out DELETE (graceful pod deletion, propagation to dependents). */
  deleteObject: DeleteObject;
  /** Serving certificate and key, PEM. The server speaks HTTPS only: client-node refuses plain HTTP. */
  tls: { cert: string; key: string };
  /**
   * The CA whose client certificates authenticate, PEM: the server asks every client for a certificate (without
   * requiring one) and takes a verified one's CN as the user name and its O values as the groups.
   */
  clientCA: string;
  /** Issues and checks ServiceAccount tokens; default a new issuer with a key of its own. */
  tokens?: ServiceAccountTokens;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; default 0 (a free port, see `url`). */
  port?: number;
  logger: Logger;
  /** Where Services get cluster IPs; default an in-memory pool of `10.96.x.y`. */
  serviceAddresses?: ServiceAddresses;
  /**
   * What admits a Pod before it is stored, e.g. `createServiceAccountAdmission(store)`; default none, as
   * kube-apiserver with its ServiceAccount admission plugin disabled.
   */
  admitPod?: PodAdmission;
  /** How long a watch that allows bookmarks stays silent before it gets one, ms; default 1000. */
  bookmarkIntervalMs?: number;
}

export interface ApiServer {
  /** `https://HOST:PORT`, for a kubeconfig. */
  url: string;
  /** Ends every watch and exec session and stops listening; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the sandbox's Kubernetes API server: discovery, CRUD, patch, watch, Tables, and the Pod
 * `log` and `exec` subresources, over HTTPS, every request authenticated (client certificate or
 * ServiceAccount token) and authorized by RBAC. The `default`, `kube-system`, `kube-public` and
 * `kube-node-lease` namespaces and the default ClusterRoles and bindings exist once it is up.
 */
export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const host = o.host ?? "127.0.0.1";
  const serviceAddresses = o.serviceAddresses ?? addressPool();
  ensureNamespaces(o.store);
  ensureBootstrapPolicy(o.store);
  const stopTracking = trackServiceAddresses(o.store, serviceAddresses);
  const ctx: ApiContext = {
    store: o.store,
    runtime: o.runtime,
    deleteObject: o.deleteObject,
    serviceAddresses,
    logger: o.logger,
    openStreams: new Set(),
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 1000,
    tokens: o.tokens ?? new ServiceAccountTokens(),
    admitPod: o.admitPod,
    faults: new FaultSwitch(),
  };

  const tlsOptions = { cert: o.tls.cert, key: o.tls.key, ca: o.clientCA, requestCert: true, rejectUnauthorized: false };
  const server = createServer(tlsOptions, (req, res) => void handleRequest(ctx, req, res));
  // Kept-alive connections stay open as long as kube-apiserver keeps them (90 s), not Node's default 5 s.
  server.keepAliveTimeout = 90_000;
  const upgrades = createExecUpgradeHandler(ctx);
  server.on("upgrade", (req, socket, head) => upgrades.handle(req, socket, head));
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // A timed-out or reset connection is closed without an answer, as kube-apiserver closes it: a client would read
    // an answer on a connection it holds idle as one to a request it never made.
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    o.logger.warn({ err: error, code: error.code }, "malformed request: answered 400 and closed the connection");
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  server.on("tlsClientError", (error) => o.logger.debug({ err: error }, "TLS handshake failed"));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    stopTracking();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (o.port ?? 0);
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  o.logger.info({ url }, "API server listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopTracking();
        ctx.faults.clear();
        for (const close of [...ctx.openStreams]) close();
        upgrades.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
