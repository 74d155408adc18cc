import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { stringify } from "yaml";
import {
  startSandbox,
  waitForStore,
  writeFileAtomic,
  type CertificateAuthority,
  type IsolationMode,
  type KubeObject,
  type Logger,
  type Sandbox,
} from "kube-sandbox";
import type { ConfigFile } from "../../src/core/config/schema.js";
import {
  type Manifest,
  generateExampleCluster,
  memberDeploymentName,
  memberServiceName,
} from "../../src/cli/example-cluster-manifests.js";
import { STATEFULSET_NAMING } from "../../src/core/config/naming.js";
import { responderImage } from "./responder-image.js";
import {
  planStatefulSetCluster,
  StatefulSetNeedsIsolationError,
  type StatefulSetNaming,
  statefulSetPodReady,
} from "./sandbox-statefulset.js";

export interface EtcdSandboxOptions {
  /** Folder for the kubeconfig, `sandbox.json`, `responder.yaml`, certificates and the Pods' data. */
  dir: string;
  /** Members of each etcd cluster; default 5. */
  members?: number;
  /** Cluster name; with several clusters, `NAME-a`, `NAME-b`, ...; default `example`. */
  name?: string;
  /** Namespace of the clusters; default `default`. */
  namespace?: string;
  /** Independent etcd clusters to run; default 1. */
  clusters?: number;
  /** CrashLoopBackOff base delay; default 1000 ms (Kubernetes: 10 s). */
  backoffMs?: number;
  /** Serve etcd with client-certificate TLS from the sandbox's CA. */
  tls?: boolean;
  /** How the sandbox runs Pods (`startSandbox`'s `isolation`); default `auto`: namespaces of their own as root. */
  isolation?: IsolationMode;
  /** How long to wait for every member to be Ready; default 60 s. */
  readyTimeoutMs?: number;
  /**
   * How each cluster runs: `deployment` (default), one Deployment and Service per member; `statefulset`, the
   * StatefulSet of `example-cluster --workload statefulset` on PersistentVolumeClaims, which needs isolated Pods.
   */
  workload?: SandboxWorkload;
  /**
   * The StatefulSet's name when it differs from the cluster's, as the bitnami chart names it (`RELEASE-etcd`); with
   * several clusters, `NAME-a`, ... Only with the `statefulset` workload.
   */
  statefulSetName?: string;
  /**
   * The cluster domain the StatefulSet members' URLs end with (`cluster.local`, as the bitnami chart writes them); the
   * responder's configuration then names their peer URLs so. Only with the `statefulset` workload.
   */
  clusterDomain?: string;
  logger: Logger;
}

/** The layouts the sandbox runs its clusters in. */
export type SandboxWorkload = "deployment" | "statefulset";

/** Whether a string names a layout, for command-line flags. */
export function isSandboxWorkload(value: string): value is SandboxWorkload {
  return value === "deployment" || value === "statefulset";
}

/** What every member has, whatever runs it. */
interface SandboxMemberCommon {
  /** Member index, 1..members. */
  index: number;
  /** URL on which the host reaches the member's clients' port. */
  clientURL: string;
  /** URL the member advertises to its peers. */
  peerURL: string;
}

/** A member run by a Deployment of its own: `NAME-N`, behind Service `NAMEN` with a fixed address. */
export interface SandboxDeploymentMember extends SandboxMemberCommon {
  workload: "deployment";
  deployment: string;
  service: string;
}

/**
 * A member run by the cluster's StatefulSet `SET`: index i is ordinal i-1, Pod (and etcd member) `SET-(i-1)`, on
 * claim `data-SET-(i-1)`. Its `clientURL` is the fixed address of the sandbox's Service `service`
 * (`SET-(i-1)-client`); its `peerURL` the Pod's DNS name, `http://POD.SET-headless.NS.svc:2380` (with the cluster
 * domain after `svc` when one is given).
 */
export interface SandboxStatefulSetMember extends SandboxMemberCommon {
  workload: "statefulset";
  pod: string;
  pvc: string;
  service: string;
}

export type SandboxMemberInfo = SandboxDeploymentMember | SandboxStatefulSetMember;

export interface SandboxClusterInfo {
  name: string;
  namespace: string;
  /** For a cluster run by a StatefulSet: its name, its headless Service and the data's volumeClaimTemplate. */
  statefulSet?: { name: string; serviceName: string; volumeClaimTemplate: string };
  /** For a cluster run by a StatefulSet: the cluster domain its members' URLs end with, if they carry one. */
  clusterDomain?: string;
  members: SandboxMemberInfo[];
}

/** What `DIR/sandbox.json` says: where everything is. */
export interface SandboxInfo {
  kubeconfig: string;
  apiServer: string;
  metricsURL: string;
  /** The cluster DNS, `HOST:PORT`: it answers the Services' names (`example3.default.svc.cluster.local`). */
  dnsServer: string;
  /** How the sandbox runs Pods: in namespaces of their own, or as host processes on loopback addresses. */
  isolation: "namespaces" | "loopback";
  /** Client certificate files for etcd when it serves TLS. */
  tls: { ca: string; cert: string; key: string } | null;
  clusters: SandboxClusterInfo[];
  /**
   * etcd's user and password, once a test has turned etcd authentication on (the sandbox never does); the
   * checks in `etcd-cluster-checks.ts` then authenticate.
   */
  etcdAuth?: { username: string; password: string };
}

/** A sandbox running the example etcd clusters. */
export interface EtcdSandbox {
  info: SandboxInfo;
  sandbox: Sandbox;
  /** Stops the sandbox and removes `sandbox.json`; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a sandbox with the example etcd clusters (one Deployment and Service per member, on the sandbox's
 * fixed addresses; or one StatefulSet each, reached through a fixed-address Service per member), waits until
 * every member is Ready, then writes `DIR/responder.yaml`, a configuration that manages them, and
 * `DIR/sandbox.json`. The StatefulSet layout throws `StatefulSetNeedsIsolationError` where Pods run on loopback.
 */
export async function startEtcdSandbox(options: EtcdSandboxOptions): Promise<EtcdSandbox> {
  const dir = resolve(options.dir);
  const members = options.members ?? 5;
  const clusterCount = options.clusters ?? 1;
  const namespace = options.namespace ?? "default";
  const workload = options.workload ?? "deployment";
  if (clusterCount * members > 250) {
    throw new Error(`${clusterCount} clusters of ${members} members do not fit in one /24 address block`);
  }
  if (workload === "statefulset" && options.isolation === "loopback") throw new StatefulSetNeedsIsolationError();
  if (workload !== "statefulset" && (options.statefulSetName || options.clusterDomain)) {
    throw new Error("a StatefulSet name and a cluster domain are for the statefulset workload only");
  }
  const sandbox = await startSandbox({
    dir,
    namespace,
    // etcd images are built into the sandbox; the responder's own image is not.
    images: [responderImage()],
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.isolation ? { isolation: options.isolation } : {}),
    logger: options.logger,
  });
  const infoPath = join(dir, "sandbox.json");
  const stop = async () => {
    await rm(infoPath, { force: true });
    await sandbox.stop();
  };
  try {
    // `auto` chose loopback: not root, or isolated Pods cannot be made here.
    if (workload === "statefulset" && sandbox.isolation === "loopback") throw new StatefulSetNeedsIsolationError();
    const tls = options.tls ? await writeEtcdClientCertificates(sandbox, dir) : null;
    const clusters = planClusters(
      options.name ?? "example",
      namespace,
      clusterCount,
      members,
      sandbox,
      Boolean(tls),
      workload,
      {
        ...(options.statefulSetName ? { statefulSetName: options.statefulSetName } : {}),
        ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
      },
    );
    const kc = new KubeConfig();
    kc.loadFromFile(sandbox.kubeconfig);
    const client = KubernetesObjectApi.makeApiClient(kc);
    if (tls) for (const cluster of clusters) await client.create(await etcdServingSecret(sandbox.ca, cluster));
    // The Services first, as Helm installs them before the workloads: a member that starts finds every peer's
    // name in the cluster DNS and its address served (a name not there yet costs etcd a second's retry, an
    // address not served yet a connection attempt's timeout). Then the workloads all at once, so that the
    // kubelet sets the member Pods up side by side.
    const objects = clusters.flatMap((cluster) => cluster.objects);
    const services = objects.filter((object) => object.kind === "Service");
    await Promise.all(services.map((object) => client.create(object)));
    await Promise.all(objects.filter((object) => !services.includes(object)).map((object) => client.create(object)));
    const memberList = clusters.flatMap((c) => c.info.members);
    const names = memberList.map((m) => (m.workload === "deployment" ? m.deployment : m.pod));
    await waitForStore(
      sandbox.store,
      () =>
        memberList.every((m) =>
          m.workload === "deployment"
            ? podReady(sandbox, namespace, m.deployment)
            : statefulSetPodReady(sandbox, namespace, m.pod),
        ),
      `every etcd member Pod (${names.join(", ")}) to be Ready`,
      options.readyTimeoutMs ?? 60_000,
    );
    // Like an API server's periodic etcd compaction: watches from before start-up answer 410 Gone.
    sandbox.store.compact();

    const info: SandboxInfo = {
      kubeconfig: sandbox.kubeconfig,
      apiServer: sandbox.apiServer,
      metricsURL: sandbox.metricsURL,
      dnsServer: `${sandbox.dns.host}:${sandbox.dns.port}`,
      isolation: sandbox.isolation,
      tls,
      clusters: clusters.map((c) => c.info),
    };
    await writeFileAtomic(join(dir, "responder.yaml"), renderResponderConfig(info, join(dir, "snapshots")));
    await writeFileAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`);
    return { info, sandbox, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The responder configuration that manages every cluster of the sandbox: explicit member URLs (the
 * sandbox's addresses are not DNS names), its TLS files, snapshots kept beside the sandbox. A StatefulSet
 * cluster names its StatefulSet and gives only client URLs: its peer URLs are the responder's default, the
 * Pods' DNS names, or with a cluster domain the naming template that adds it.
 */
export function renderResponderConfig(info: Pick<SandboxInfo, "tls" | "clusters">, snapshotsDir: string): string {
  const config: ConfigFile = {
    clusters: info.clusters.map((cluster) => ({
      name: cluster.name,
      namespace: cluster.namespace,
      members: cluster.members.length,
      ...(cluster.statefulSet ? { statefulSet: cluster.statefulSet } : {}),
      ...(cluster.clusterDomain
        ? { naming: { peerURL: STATEFULSET_NAMING.peerURL.replace(".svc:", `.svc.${cluster.clusterDomain}:`) } }
        : {}),
      memberURLs: Object.fromEntries(
        cluster.members.map((m) => [
          String(m.index),
          m.workload === "statefulset" ? { clientURL: m.clientURL } : { clientURL: m.clientURL, peerURL: m.peerURL },
        ]),
      ),
      ...(info.tls ? { tls: { caFile: info.tls.ca, certFile: info.tls.cert, keyFile: info.tls.key } } : {}),
      snapshots: { enabled: true, dir: snapshotsDir, keep: 3 },
    })),
    recovery: { deadAfterSeconds: 2, stepTimeoutSeconds: 60, leaseDurationSeconds: 15 },
  };
  const header = "# Written by the etcd sandbox: the responder's configuration for this sandbox's clusters.";
  return `${header}\n${stringify(config)}`;
}

interface PlannedCluster {
  info: SandboxClusterInfo;
  objects: Manifest[];
  /** Host names the members' serving certificate must hold besides the client URLs' addresses. */
  dnsNames: string[];
}

function planClusters(
  baseName: string,
  namespace: string,
  count: number,
  members: number,
  sandbox: Sandbox,
  tls: boolean,
  workload: SandboxWorkload,
  naming: StatefulSetNaming,
): PlannedCluster[] {
  const planned: PlannedCluster[] = [];
  for (let k = 0; k < count; k++) {
    const name = count > 1 ? `${baseName}-${String.fromCharCode(97 + k)}` : baseName;
    const ips = Array.from({ length: members }, (_, i) => sandbox.address(k * members + i + 1));
    if (workload === "statefulset") {
      const suffix = count > 1 ? `-${String.fromCharCode(97 + k)}` : "";
      const set = naming.statefulSetName ? { statefulSetName: `${naming.statefulSetName}${suffix}` } : {};
      const tlsSecret = tls ? `${name}-tls` : undefined;
      planned.push(planStatefulSetCluster(name, namespace, ips, tlsSecret, { ...naming, ...set }));
      continue;
    }
    planned.push(planDeploymentCluster(name, namespace, ips, tls, sandbox.isolation === "namespaces"));
  }
  return planned;
}

/**
 * A cluster in the seed's layout, one Deployment and one Service per member, each Service at a fixed address
 * the host reaches (`clientURL`). With isolated Pods the members address each other as the seed does, by
 * Service name through the cluster DNS (`http://example3:2380`), so the chart's default configuration fits
 * the sandbox; on loopback addresses there is no cluster DNS and the fixed addresses are used throughout.
 */
function planDeploymentCluster(
  name: string,
  namespace: string,
  ips: string[],
  tls: boolean,
  clusterDNS: boolean,
): PlannedCluster {
  const scheme = tls ? "https" : "http";
  const services = ips.map((_, i) => memberServiceName(name, i + 1));
  return {
    dnsNames: clusterDNS
      ? services.flatMap((service) => [service, `${service}.${namespace}`, `${service}.${namespace}.svc`])
      : [],
    objects: generateExampleCluster({
      name,
      members: ips.length,
      namespace,
      addressing: clusterDNS ? { kind: "service-dns", clusterIPs: ips } : { kind: "fixed-ips", ips },
      ...(tls ? { tls: { secretName: `${name}-tls` } } : {}),
    }),
    info: {
      name,
      namespace,
      members: ips.map((ip, i) => ({
        workload: "deployment" as const,
        index: i + 1,
        deployment: memberDeploymentName(name, i + 1),
        service: services[i]!,
        clientURL: `${scheme}://${ip}:2379`,
        peerURL: `http://${clusterDNS ? services[i] : ip}:2380`,
      })),
    },
  };
}

/** Whether a Pod of the Deployment, not Terminating, is Ready. */
function podReady(sandbox: Sandbox, namespace: string, deployment: string): boolean {
  const spec = sandbox.store.get("deployments.apps", namespace, deployment)?.spec as
    { selector?: { matchLabels?: Record<string, string> } } | undefined;
  const wanted = Object.entries(spec?.selector?.matchLabels ?? {});
  if (wanted.length === 0) return false;
  // Filtered in the store: only a Ready Pod is copied, not every Pod of the namespace at every look.
  const ready = (pod: KubeObject) => {
    const labels = pod.metadata.labels ?? {};
    const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
    return (
      wanted.every(([key, value]) => labels[key] === value) &&
      !pod.metadata.deletionTimestamp &&
      (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
    );
  };
  return sandbox.store.list("pods", namespace, ready).length > 0;
}

async function writeEtcdClientCertificates(sandbox: Sandbox, dir: string) {
  const client = await sandbox.ca.issue({ commonName: "etcd-responder", usages: ["client"] });
  const paths = {
    ca: sandbox.caFile,
    cert: join(dir, "pki", "etcd-client.crt"),
    key: join(dir, "pki", "etcd-client.key"),
  };
  await writeFile(paths.cert, client.cert);
  await writeFile(paths.key, client.key, { mode: 0o600 });
  return paths;
}

async function etcdServingSecret(ca: CertificateAuthority, cluster: PlannedCluster): Promise<Manifest> {
  const ips = cluster.info.members.map((m) => new URL(m.clientURL).hostname);
  const serving = await ca.issue({
    commonName: cluster.info.name,
    ips,
    dnsNames: cluster.dnsNames,
    usages: ["server", "client"],
  });
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${cluster.info.name}-tls`, namespace: cluster.info.namespace },
    type: "kubernetes.io/tls",
    data: { "ca.crt": b64(ca.certPem), "tls.crt": b64(serving.cert), "tls.key": b64(serving.key) },
  };
}
