import {
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
} from "@kubernetes/client-node";
import { keptAliveAuthentication } from "./kept-alive-authentication.js";
import { resendOnDroppedConnection } from "./resend-on-dropped-connection.js";

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
