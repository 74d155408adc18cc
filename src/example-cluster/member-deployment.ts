import type { Manifest, ResolvedExampleClusterOptions } from "./example-cluster-options.js";
import { memberContainer } from "./member-container.js";
import { memberLabels, memberSelectorLabels } from "../core/labels.js";
import { memberDeploymentName } from "./member-names.js";

/** Deployment `NAME-N`: one Pod running member `index`, its data on ephemeral storage. */
export function memberDeployment(o: ResolvedExampleClusterOptions, index: number): Manifest {
  const volumes: Record<string, unknown>[] = [{ name: "data", emptyDir: {} }];
  if (o.tls) volumes.push({ name: "tls", secret: { secretName: o.tls.secretName } });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: memberDeploymentName(o.name, index),
      namespace: o.namespace,
      labels: memberLabels(o.name, index),
    },
    spec: {
      replicas: 1,
      // Two Pods of one member would fight over its identity: the old Pod goes before the new one starts.
      strategy: { type: "Recreate" },
      selector: { matchLabels: memberSelectorLabels(o.name, index) },
      template: {
        metadata: { labels: memberLabels(o.name, index) },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [memberContainer(o, index)],
          volumes,
        },
      },
    },
  };
}
