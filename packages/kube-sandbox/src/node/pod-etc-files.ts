import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { podResolvConf } from "../dns/dns-server.js";
import type { PodIdentity, PodMount } from "../kubelet/pod-sandbox.js";

/** The `/etc/hosts` the kubelet writes for a Pod: loopback names, then the Pod's own address and names. */
export function podHostsFile(identity: PodIdentity, ip: string): string {
  const names = identity.fqdn ? `${identity.fqdn}\t${identity.hostname}` : identity.hostname;
  return [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    `${ip}\t${names}`,
    "",
  ].join("\n");
}

/**
 * Writes a Pod's `hosts`, `hostname` and `resolv.conf` (its `dnsPolicy: ClusterFirst` search path, naming
 * `nameserver`) into `dir` and returns them as mounts over the Pod's `/etc` files, as the kubelet mounts them.
 */
export function writePodEtcFiles(dir: string, identity: PodIdentity, ip: string, nameserver: string): PodMount[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["hosts", podHostsFile(identity, ip)],
    ["hostname", `${identity.hostname}\n`],
    ["resolv.conf", podResolvConf(identity.namespace, nameserver)],
  ];
  return files.map(([name, content]) => {
    const hostPath = join(dir, name);
    writeFileSync(hostPath, content, { mode: 0o644 });
    return { hostPath, mountPath: `/etc/${name}`, readOnly: false };
  });
}
