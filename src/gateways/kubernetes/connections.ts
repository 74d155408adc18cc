import type {
  Configuration,
  KubeConfig,
  DispatcherOptions,
  RequestContext,
  SecurityAuthentication,
  HttpLibrary,
} from "@kubernetes/client-node";
import { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";
import { wrapHttpLibrary } from "@kubernetes/client-node/dist/gen/http/http.js";
import { IsomorphicFetchHttpLibrary } from "@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js";
import { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js";
import type { AgentOptions, RequestOptions } from "node:https";
import { Agent, ProxyAgent, type Dispatcher } from "undici";
import { errorCodes } from "./errors.js";

/**
 * What the gateway's API clients are built from instead of `kubeConfig.makeApiClient`: every request goes over
 * one pool of kept-alive connections, with the KubeConfig's credentials applied to each, and a request that meets
 * a connection the server has just dropped is sent once more unless it is a POST. The API groups share the one
 * configuration, hence the one pool.
 */
export function keepAliveConfiguration(kubeConfig: KubeConfig): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: keptAliveAuthentication(kubeConfig) },
    httpApi: resendOnDroppedConnection(new IsomorphicFetchHttpLibrary()),
  });
}

/** Connections one pool opens to the API server at most; further requests wait for one to be free. */
const MAX_CONNECTIONS = 16;

/** The shared connections and what they were made for. */
interface Pool {
  /** client-node's dispatcher options (TLS material, proxy) as JSON: a new key means a new pool. */
  key: string;
  /** Undefined: undici's global dispatcher. */
  dispatcher: Dispatcher | undefined;
}

/**
 * Applies the KubeConfig's credentials to each request, as its own `applySecurityAuthentication` does, but sends
 * every request through one pool of kept-alive connections. client-node 2.x makes a new undici Agent, so a new
 * TCP connection and TLS handshake, for every request of a cluster with TLS material (a CA, a client
 * certificate); a recovery makes dozens of requests. Credentials are read anew for each request, so tokens that
 * rotate keep working; the pool is made again, and the old one closed once its requests are done, only when the
 * TLS material or the proxy changes.
 */
export function keptAliveAuthentication(kubeConfig: KubeConfig): SecurityAuthentication {
  let pool: Pool | undefined;
  return {
    getName: () => "kubeconfig over kept-alive connections",
    async applySecurityAuthentication(context: RequestContext) {
      const options: RequestOptions = {};
      await kubeConfig.applyToHTTPSOptions(options);
      applyCredentials(context, options);
      const wanted = kubeConfig.createDispatcherOptions(kubeConfig.getCurrentCluster(), tlsMaterial(options));
      const key = JSON.stringify(wanted);
      if (pool?.key !== key) {
        void pool?.dispatcher?.close();
        pool = { key, dispatcher: makePool(wanted) };
      }
      if (pool.dispatcher) context.setDispatcher(pool.dispatcher);
    },
  };
}

/** The credentials the KubeConfig put in `options` (basic auth, a bearer token, other headers) onto the request. */
function applyCredentials(context: RequestContext, options: RequestOptions): void {
  if (options.auth) context.setHeaderParam("Authorization", `Basic ${Buffer.from(options.auth).toString("base64")}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) context.setHeaderParam(name, String(value));
}

/** The TLS material in `options`, the fields client-node builds its own dispatchers from. */
function tlsMaterial(options: RequestOptions): AgentOptions {
  const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
  return { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername };
}

/** A dispatcher made as client-node makes its one-request ones, but to be kept and shared. */
function makePool(options: DispatcherOptions): Dispatcher | undefined {
  switch (options.type) {
    case "agent":
      return new Agent({ connect: options.connect, connections: MAX_CONNECTIONS });
    case "proxy": {
      const { uri, requestTls, connect } = options;
      return new ProxyAgent({ uri, requestTls, connect, connections: MAX_CONNECTIONS });
    }
    case "none":
      // Neither TLS material nor a proxy: undici's global dispatcher, which keeps connections alive by itself.
      return undefined;
    case "socks":
      throw new Error("a SOCKS proxy-url is not supported by the Kubernetes gateway; use an HTTP proxy");
  }
}

/**
 * Codes of a connection dropped before the answer came, as undici's fetch reports them on the error's cause:
 * reset by the server (ECONNRESET), or closed by it ("other side closed", UND_ERR_SOCKET).
 */
const DROPPED_CONNECTION_CODES = new Set(["ECONNRESET", "UND_ERR_SOCKET"]);

/**
 * Sends a request once more when the connection it went out on was dropped before an answer came, as happens
 * when the server closes an idle kept-alive connection just as it is reused. A POST is never sent twice: the
 * server may have created the object before the connection broke.
 */
export function resendOnDroppedConnection(library: HttpLibrary): HttpLibrary {
  const send = (request: RequestContext) => library.send(request).toPromise();
  return wrapHttpLibrary({
    async send(request) {
      try {
        return await send(request);
      } catch (error) {
        const dropped = errorCodes(error).some((code) => DROPPED_CONNECTION_CODES.has(code));
        if (!dropped || request.getHttpMethod() === "POST") throw error;
        return send(request);
      }
    },
  });
}
