import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/** Where a Helm release's webhook receiver answers, and the token it requires. */
export interface ReleaseReceiver {
  /** `http://CLUSTER-IP:8080`, the receiver's Service, which the sandbox's host reaches. */
  url: string;
  /** The bearer token the chart keeps in its Secret `RELEASE-auth`. */
  token: string;
}

/** The receiver of the chart's release `release` in `namespace`: its Service's address and the chart's token. */
export async function releaseReceiver(kc: KubeConfig, release: string, namespace: string): Promise<ReleaseReceiver> {
  const core = kc.makeApiClient(CoreV1Api);
  const service = await core.readNamespacedService({ name: release, namespace });
  const secret = await core.readNamespacedSecret({ name: `${release}-auth`, namespace });
  return {
    url: `http://${service.spec!.clusterIP!}:8080`,
    token: Buffer.from(secret.data!.token!, "base64").toString(),
  };
}
