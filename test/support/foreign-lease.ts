import { CoordinationV1Api } from "@kubernetes/client-node";
import { leaseName } from "../../src/recovery/lock.js";
import { kubeConfigFrom } from "./pod-watch.js";

/**
 * Creates the cluster's Lease held by `someone-else` for an hour, as a second responder running a recovery of
 * the cluster would: every recovery of it then fails at its lock step once the step deadline passes.
 */
export async function holdLeaseAsAnother(kubeconfig: string, namespace: string, cluster: string): Promise<void> {
  const now = new Date();
  await kubeConfigFrom(kubeconfig)
    .makeApiClient(CoordinationV1Api)
    .createNamespacedLease({
      namespace,
      body: {
        metadata: { name: leaseName(cluster) },
        spec: { holderIdentity: "someone-else", leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
      },
    });
}
