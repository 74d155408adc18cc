import type { Manifest, ResolvedExampleClusterOptions } from "./example-cluster-options.js";
import { memberLabels, memberSelectorLabels } from "../core/labels.js";
import { memberServiceName } from "./member-names.js";
import { CLIENT_PORT, PEER_PORT } from "./member-ports.js";

/** Service `NAMEN`: the stable name (or, in the sandbox, the stable address) of member `index`. */
export function memberService(o: ResolvedExampleClusterOptions, index: number): Manifest {
  const spec: Record<string, unknown> = {};
  if (o.addressing.kind === "fixed-ips") spec.clusterIP = o.addressing.ips[index - 1];
  Object.assign(spec, {
    selector: memberSelectorLabels(o.name, index),
    // Peers must reach a member before it is Ready: it becomes Ready only once the cluster has a leader.
    publishNotReadyAddresses: true,
    ports: [
      { name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT, protocol: "TCP" },
      { name: "peer", port: PEER_PORT, targetPort: PEER_PORT, protocol: "TCP" },
    ],
  });
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: memberServiceName(o.name, index), namespace: o.namespace, labels: memberLabels(o.name, index) },
    spec,
  };
}
