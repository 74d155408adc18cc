import { stringify } from "yaml";
import type { ConfigFile } from "../config/index.js";
import type { SandboxInfo } from "./sandbox.js";

/**
 * The responder configuration that manages every cluster of the sandbox: explicit member URLs (the
 * sandbox's addresses are not DNS names), its TLS files, snapshots kept beside the sandbox.
 */
export function renderResponderConfig(
  info: Omit<SandboxInfo, "kubeconfig" | "apiServer" | "metricsURL">,
  snapshotsDir: string,
): string {
  const config: ConfigFile = {
    clusters: info.clusters.map((cluster) => ({
      name: cluster.name,
      namespace: cluster.namespace,
      members: cluster.members.length,
      memberURLs: Object.fromEntries(
        cluster.members.map((m) => [String(m.index), { clientURL: m.clientURL, peerURL: m.peerURL }]),
      ),
      ...(info.tls ? { tls: { caFile: info.tls.ca, certFile: info.tls.cert, keyFile: info.tls.key } } : {}),
      snapshots: { enabled: true, dir: snapshotsDir, keep: 3 },
    })),
    recovery: { deadAfterSeconds: 2, stepTimeoutSeconds: 60, leaseDurationSeconds: 15 },
  };
  return `# Written by \`etcd-responder sandbox\`: the responder's configuration for this sandbox's clusters.\n${stringify(config)}`;
}
