import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import {
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  ServerConfiguration,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from "@kubernetes/client-node";
// client-node's own promise wrapper; the package is pinned to 1.4.x.
import { Observable } from "@kubernetes/client-node/dist/gen/rxjsStub.js";

type ApiConstructor<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

/**
 * Like `kubeConfig.makeApiClient`, but every request reuses kept-alive connections. client-node 1.4 makes a
 * new agent, so a new TCP connection and TLS handshake, for every request; a recovery makes dozens of them.
 * Credentials are still applied per request by the KubeConfig (tokens that rotate keep working); the agent
 * is made again only when the TLS material it carries changes. A request that meets a kept-alive
 * connection the server has just closed (ECONNRESET) is sent once more, unless it is a POST.
 */
export function makeKeepAliveApiClient<T>(kubeConfig: KubeConfig, api: ApiConstructor<T>): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  let shared: { agent: HttpAgent; key: string } | undefined;
  const auth: SecurityAuthentication = {
    getName: () => "kubeconfig-keep-alive",
    async applySecurityAuthentication(context: RequestContext) {
      await kubeConfig.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      if (!fresh) return;
      const options = (fresh as HttpAgent & { options: AgentOptions }).options;
      const key = JSON.stringify([
        options.ca,
        options.cert,
        options.key,
        options.pfx,
        options.rejectUnauthorized,
        options.servername,
      ]);
      if (shared?.key !== key) {
        shared?.agent.destroy();
        const keepAlive = { ...options, keepAlive: true, maxSockets: 16 };
        shared = { agent: fresh instanceof HttpsAgent ? new HttpsAgent(keepAlive) : new HttpAgent(keepAlive), key };
      }
      fresh.destroy();
      context.setAgent(shared.agent);
    },
  };
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
      httpApi: resendOnReset(),
    }),
  );
}

/** Sends again once when a reused connection turns out closed; creating (POST) is never repeated. */
function resendOnReset(): HttpLibrary {
  const fetchLibrary = new IsomorphicFetchHttpLibrary();
  return {
    send(request) {
      const once = () => fetchLibrary.send(request).toPromise();
      return new Observable(
        once().catch((error: unknown) => {
          const reset = /ECONNRESET|socket hang up/.test(String((error as { code?: string })?.code ?? error));
          if (!reset || request.getHttpMethod() === "POST") throw error;
          return once();
        }),
      );
    },
  };
}
