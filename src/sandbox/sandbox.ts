import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "../observability/logger.js";
import { ObjectStore, type KubeObject } from "./api/object-store.js";
import { startApiServer } from "./api/api-server.js";
import { createDeleteObject } from "./controllers/delete-object.js";
import { startControllers } from "./controllers/start-controllers.js";
import { startMetricsServer } from "./metrics/metrics-server.js";
import { Kubelet } from "./kubelet/kubelet.js";
import { AddressBlock } from "./network/address-block.js";
import { podAddressFor } from "./network/pod-address.js";
import { ProcessGuard } from "./process-guard/process-guard.js";
import { CertificateAuthority } from "./pki/certificate-authority.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { renderResponderConfig } from "./responder-config-file.js";
import { waitForStore } from "./wait-for-store.js";
import { selectorMatches, type LabelSelectorSpec } from "./api/label-selector.js";
import { writeFileAtomic } from "../util/write-file-atomic.js";
import {
  generateExampleCluster,
  memberDeploymentName,
  memberServiceName,
} from "../example-cluster/generate-example-cluster.js";

export interface SandboxOptions {
  /** Folder for the kubeconfig, `sandbox.json`, certificates and the Pods' data. Created if missing. */
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
  /** Serve etcd with client-certificate TLS from a CA the sandbox makes. */
  tls?: boolean;
  /** How long to wait for every member to be Ready; default 60 s. */
  readyTimeoutMs?: number;
  logger: Logger;
}

export interface SandboxMemberInfo {
  index: number;
  deployment: string;
  service: string;
  clientURL: string;
  peerURL: string;
}

export interface SandboxClusterInfo {
  name: string;
  namespace: string;
  members: SandboxMemberInfo[];
}

/** What `DIR/sandbox.json` says: where everything is. */
export interface SandboxInfo {
  kubeconfig: string;
  apiServer: string;
  metricsURL: string;
  /** Client certificate files for etcd when it serves TLS. */
  tls: { ca: string; cert: string; key: string } | null;
  clusters: SandboxClusterInfo[];
}

export interface Sandbox {
  info: SandboxInfo;
  store: ObjectStore;
  /** Stops every process, removes the Pods' data; safe to call twice. */
  stop(): Promise<void>;
}

/** How long members get to exit on SIGTERM when the sandbox stops, before SIGKILL. */
const SHUTDOWN_GRACE_MS = 1000;

/** Starts the API server, controllers, kubelet and the etcd clusters, and resolves once every member is Ready. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(options.dir);
  const members = options.members ?? 5;
  const baseName = options.name ?? "example";
  const namespace = options.namespace ?? "default";
  const clusterCount = options.clusters ?? 1;
  const logger = options.logger;
  if (clusterCount * members > 250)
    throw new Error(`${clusterCount} clusters of ${members} members do not fit in one /24 address block`);

  await mkdir(dir, { recursive: true });
  const podsDir = join(dir, "pods");
  await rm(podsDir, { recursive: true, force: true });

  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        logger.warn({ err: error }, "sandbox shutdown step failed");
      }
    }
  };

  try {
    const block = await AddressBlock.claim();
    stops.push(() => block.close());
    const guard = await ProcessGuard.start({ cleanupPaths: [podsDir] });
    stops.push(() => guard.close());

    const ca = await CertificateAuthority.create("etcd-responder sandbox CA");
    const serving = await ca.issue({
      commonName: "sandbox-apiserver",
      ips: ["127.0.0.1"],
      dnsNames: ["localhost"],
      usages: ["server"],
    });
    await mkdir(join(dir, "pki"), { recursive: true });
    await writeFile(join(dir, "pki", "ca.crt"), ca.certPem);

    const store = new ObjectStore();
    const controllers = startControllers(store, logger.child({ component: "controllers" }));
    stops.push(() => controllers.stop());
    const kubelet = new Kubelet({
      store,
      dataDir: dir,
      podAddress: podAddressFor(store, block),
      backoffBaseMs: options.backoffMs ?? 1000,
      probeIntervalMs: 100,
      processes: guard,
      logger: logger.child({ component: "kubelet" }),
    });
    kubelet.start();
    stops.push(async () => {
      // The Pods' data goes with the sandbox: no need to wait for etcd's leader hand-over.
      await kubelet.stop(SHUTDOWN_GRACE_MS);
      await rm(podsDir, { recursive: true, force: true });
    });
    const api = await startApiServer({
      store,
      runtime: kubelet,
      deleteObject: createDeleteObject(store),
      tls: { cert: serving.cert, key: serving.key },
      serviceAddresses: block,
      logger: logger.child({ component: "apiserver" }),
    });
    stops.push(() => api.close());
    const metrics = await startMetricsServer({ store });
    stops.push(() => metrics.close());

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFileAtomic(
      kubeconfigPath,
      renderKubeconfig({ name: "etcd-responder-sandbox", server: api.url, caPem: ca.certPem, namespace }),
      0o600,
    );

    const tls = options.tls ? await writeEtcdClientCertificates(ca, dir) : null;
    const clusters = planClusters(baseName, namespace, clusterCount, members, block, Boolean(tls));
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const client = KubernetesObjectApi.makeApiClient(kc);
    if (namespace !== "default" && !store.get("namespaces", undefined, namespace)) {
      await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    }
    for (const cluster of clusters) {
      if (options.tls) await client.create(asClientObject(await etcdServingSecret(ca, cluster)));
      for (const object of cluster.objects) await client.create(asClientObject(object));
    }

    const deployments = clusters.flatMap((c) => c.info.members.map((m) => m.deployment));
    await waitForStore(
      store,
      () => deployments.every((d) => podReady(store, namespace, d)),
      `every etcd member Pod (${deployments.join(", ")}) to be Ready`,
      options.readyTimeoutMs ?? 60_000,
    );
    // Like an API server's periodic etcd compaction: watches from before start-up answer 410 Gone.
    store.compact();

    const info: SandboxInfo = {
      kubeconfig: kubeconfigPath,
      apiServer: api.url,
      metricsURL: metrics.url,
      tls,
      clusters: clusters.map((c) => c.info),
    };
    await writeFileAtomic(join(dir, "responder.yaml"), renderResponderConfig(info, join(dir, "snapshots")));
    const infoPath = join(dir, "sandbox.json");
    await writeFileAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`);
    stops.unshift(() => rm(infoPath, { force: true }));
    return { info, store, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface PlannedCluster {
  info: SandboxClusterInfo;
  objects: KubeObject[];
}

function planClusters(
  baseName: string,
  namespace: string,
  count: number,
  members: number,
  block: AddressBlock,
  tls: boolean,
): PlannedCluster[] {
  const planned: PlannedCluster[] = [];
  for (let k = 0; k < count; k++) {
    const name = count > 1 ? `${baseName}-${String.fromCharCode(97 + k)}` : baseName;
    const ips = Array.from({ length: members }, (_, i) => block.address(k * members + i + 1));
    const scheme = tls ? "https" : "http";
    planned.push({
      objects: generateExampleCluster({
        name,
        members,
        namespace,
        addressing: { kind: "fixed-ips", ips },
        ...(tls ? { tls: { secretName: `${name}-tls` } } : {}),
      }),
      info: {
        name,
        namespace,
        members: ips.map((ip, i) => ({
          index: i + 1,
          deployment: memberDeploymentName(name, i + 1),
          service: memberServiceName(name, i + 1),
          clientURL: `${scheme}://${ip}:2379`,
          peerURL: `http://${ip}:2380`,
        })),
      },
    });
  }
  return planned;
}

/** Whether a Pod of the Deployment, not Terminating, is Ready. */
function podReady(store: ObjectStore, namespace: string, deployment: string): boolean {
  const selector = (
    store.get("deployments.apps", namespace, deployment)?.spec as { selector?: LabelSelectorSpec } | undefined
  )?.selector;
  return store.list("pods", namespace).some((pod) => {
    const conditions =
      (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    return (
      selectorMatches(selector, pod.metadata.labels) &&
      !pod.metadata.deletionTimestamp &&
      conditions.some((c) => c.type === "Ready" && c.status === "True")
    );
  });
}

async function writeEtcdClientCertificates(ca: CertificateAuthority, dir: string) {
  const client = await ca.issue({ commonName: "etcd-responder", usages: ["client"] });
  const paths = {
    ca: join(dir, "pki", "ca.crt"),
    cert: join(dir, "pki", "etcd-client.crt"),
    key: join(dir, "pki", "etcd-client.key"),
  };
  await writeFile(paths.cert, client.cert);
  await writeFile(paths.key, client.key, { mode: 0o600 });
  return paths;
}

async function etcdServingSecret(ca: CertificateAuthority, cluster: PlannedCluster): Promise<KubeObject> {
  const ips = cluster.info.members.map((m) => new URL(m.clientURL).hostname);
  const serving = await ca.issue({ commonName: cluster.info.name, ips, usages: ["server", "client"] });
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${cluster.info.name}-tls`, namespace: cluster.info.namespace },
    type: "kubernetes.io/tls",
    data: { "ca.crt": b64(ca.certPem), "tls.crt": b64(serving.cert), "tls.key": b64(serving.key) },
  };
}

/** Our objects are plain JSON; client-node's type wants Dates where the wire has strings. */
function asClientObject(object: KubeObject): KubernetesObject {
  return object as unknown as KubernetesObject;
}
