import type { KubeObject, Sandbox } from "kube-sandbox";
import { CLIENT_PORT, PEER_PORT, type Manifest } from "../../src/cli/example-cluster-manifests.js";
import {
  DATA_CLAIM_TEMPLATE,
  dataClaimName,
  generateExampleStatefulSet,
  headlessServiceName,
  memberDnsName,
  statefulSetLabels,
  statefulSetPodName,
} from "../../src/cli/example-statefulset-manifests.js";
import type { SandboxClusterInfo, SandboxStatefulSetMember } from "./etcd-sandbox.js";

/** The Pod label a StatefulSet puts on each of its Pods, holding the Pod's name. */
const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** Why the StatefulSet layout cannot run on a sandbox whose Pods share the host's network. */
export class StatefulSetNeedsIsolationError extends Error {
  override readonly name = "StatefulSetNeedsIsolationError";

  constructor() {
    super(
      "the statefulset workload needs isolated Pods (--isolation namespaces, as root): its members reach each " +
        "other by Pod DNS names, which resolve only inside isolated Pods, and here Pods run on loopback addresses",
    );
    Object.setPrototypeOf(this, StatefulSetNeedsIsolationError.prototype);
  }
}

/** A cluster as the sandbox creates it: what `sandbox.json` says, the objects, and the names its certificate needs. */
export interface PlannedStatefulSetCluster {
  info: SandboxClusterInfo;
  objects: Manifest[];
  /** The host names clients use: every member's Pod DNS name. */
  dnsNames: string[];
}

/** How the sandbox names a StatefulSet cluster's objects beyond its name (see `ExampleStatefulSetOptions`). */
export interface StatefulSetNaming {
  /** The StatefulSet's name when it differs from the cluster's (the bitnami chart's `RELEASE-etcd`). */
  statefulSetName?: string;
  /** The cluster domain the members' URLs end with, e.g. `cluster.local`. */
  clusterDomain?: string;
}

/**
 * Cluster `name` as the generated StatefulSet, plus what only the sandbox needs: a Service per member,
 * `SET-ORDINAL-client`, holding fixed cluster IP `ips[ordinal]` and selecting that one Pod by its name, so the
 * host reaches each member at an address that survives its Pod. The members' peer URLs are their Pod DNS names.
 */
export function planStatefulSetCluster(
  name: string,
  namespace: string,
  ips: string[],
  tlsSecret: string | undefined,
  naming: StatefulSetNaming = {},
): PlannedStatefulSetCluster {
  const objects = generateExampleStatefulSet({
    name,
    members: ips.length,
    namespace,
    ...naming,
    ...(tlsSecret ? { tls: { secretName: tlsSecret } } : {}),
  });
  const set = naming.statefulSetName ?? name;
  const dnsName = (pod: string) => memberDnsName(set, pod, namespace, naming.clusterDomain);
  const scheme = tlsSecret ? "https" : "http";
  const members: SandboxStatefulSetMember[] = ips.map((ip, ordinal) => {
    const pod = statefulSetPodName(set, ordinal);
    return {
      workload: "statefulset",
      index: ordinal + 1,
      pod,
      pvc: dataClaimName(set, ordinal),
      service: `${pod}-client`,
      clientURL: `${scheme}://${ip}:${CLIENT_PORT}`,
      peerURL: `http://${dnsName(pod)}:${PEER_PORT}`,
    };
  });
  for (const [ordinal, member] of members.entries()) {
    objects.push(memberClientService(name, namespace, member, ips[ordinal]!));
  }
  return {
    objects,
    dnsNames: members.map((m) => dnsName(m.pod)),
    info: {
      name,
      namespace,
      statefulSet: { name: set, serviceName: headlessServiceName(set), volumeClaimTemplate: DATA_CLAIM_TEMPLATE },
      ...(naming.clusterDomain ? { clusterDomain: naming.clusterDomain } : {}),
      members,
    },
  };
}

/** `SET-ORDINAL-client`: the member's fixed address for the host, published before the Pod is Ready. */
function memberClientService(name: string, namespace: string, member: SandboxStatefulSetMember, ip: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: member.service, namespace, labels: statefulSetLabels(name) },
    spec: {
      clusterIP: ip,
      selector: { [POD_NAME_LABEL]: member.pod },
      publishNotReadyAddresses: true,
      ports: [{ name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT, protocol: "TCP" }],
    },
  };
}

/** Whether the StatefulSet's Pod `pod`, not Terminating, is Ready. */
export function statefulSetPodReady(sandbox: Sandbox, namespace: string, pod: string): boolean {
  return sandbox.store.list("pods", namespace).some((candidate: KubeObject) => {
    const conditions = (candidate.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions;
    return (
      candidate.metadata.labels?.[POD_NAME_LABEL] === pod &&
      !candidate.metadata.deletionTimestamp &&
      (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
    );
  });
}
