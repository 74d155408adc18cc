import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { silentLogger, type Logger } from "./logger.js";
import { ObjectStore } from "./api/object-store.js";
import { startApiServer } from "./api/api-server.js";
import { ensureNamespaces } from "./api/objects/ensure-namespaces.js";
import { registerSandboxNode } from "./api/objects/sandbox-node.js";
import { createDeleteObject } from "./controllers/delete-object.js";
import { startControllers } from "./controllers/start-controllers.js";
import { catalogWithBuiltIns } from "./images/built-in-images.js";
import type { ImageEntry } from "./images/image-catalog.js";
import { createEventRecorder } from "./events/event-recorder.js";
import { Kubelet } from "./kubelet/kubelet.js";
import { startMetricsServer } from "./metrics/metrics-server.js";
import { ensureDefaultStorageClass } from "./storage/storage-class.js";
import { startPodNetworking, type IsolationMode, type PodNetworkInfo } from "./node/pod-networking.js";
import { ProcessGuard } from "./process-guard/process-guard.js";
import { CertificateAuthority } from "./pki/certificate-authority.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { ServiceAccountTokens } from "./api/auth/service-account-tokens.js";
import { SYSTEM_MASTERS } from "./api/auth/user-info.js";
import { createServiceAccountAdmission } from "./api/admission/service-account-admission.js";
import { KUBERNETES_SERVICE_PORT, registerKubernetesService } from "./api/objects/kubernetes-service.js";
import type { ApiServerEndpoint } from "./kubelet/api-server-env.js";
import { storeTokenIssuer } from "./kubelet/projected-tokens.js";

export interface SandboxOptions {
  /** Folder for the kubeconfig, the CA certificate and the Pods' data. Created if missing. */
  dir: string;
  /** Namespace the kubeconfig's context uses; default `default`. Created if missing. */
  namespace?: string;
  /** CrashLoopBackOff base delay; default 1000 ms (Kubernetes: 10 s). */
  backoffMs?: number;
  /**
   * Images its Pods can run besides the built-in ones (etcd, Redis, busybox, alpine, curlimages/curl); the
   * first entry covering an image wins, these before the built-in ones. Any other image fails to pull
   * (`ErrImagePull`, then `ImagePullBackOff`). See `loadImageCatalogFile` for entries from a file.
   */
  images?: readonly ImageEntry[];
  /** Where the sandbox logs; default nowhere. */
  logger?: Logger;
  /**
   * How Pods run: `namespaces` gives each Pod its own network, mount, PID, UTS and IPC namespaces, an
   * address on the sandbox's bridge, and Services reachable through a proxy on their cluster IPs (root only);
   * `loopback` runs Pods as host processes on loopback addresses; `auto` (default) takes `namespaces` where
   * they can be made, else logs one line saying why not and takes `loopback`.
   */
  isolation?: IsolationMode;
}

/** A running sandbox: where it is, and what its user may use of it. */
export interface Sandbox {
  /** `DIR/kubeconfig`, for kubectl, helm and client libraries. */
  kubeconfig: string;
  /** The API server's URL, `https://127.0.0.1:PORT`. */
  apiServer: string;
  /** How Pods run: in namespaces of their own, or as host processes on loopback addresses. */
  isolation: "namespaces" | "loopback";
  /** With `namespaces`: the bridge (also the prefix of every namespace and interface the sandbox makes) and ranges. */
  podNetwork?: PodNetworkInfo;
  /** kube-state-metrics series of the sandbox's Pods and Deployments, `http://127.0.0.1:PORT/metrics`. */
  metricsURL: string;
  /** `DIR/pki/ca.crt`: the CA that signed the API server's certificate and signs `ca.issue` certificates. */
  caFile: string;
  /**
   * The cluster DNS: it answers `SVC.NS.svc.cluster.local`, `POD.SVC.NS.svc.cluster.local` and SRV names
   * from the sandbox's objects, and refuses every other name (it never forwards).
   */
  dns: { host: string; port: number };
  /** Issues certificates from the sandbox's CA, e.g. for servers its Pods run, or clients of its API server. */
  ca: CertificateAuthority;
  /** Issues ServiceAccount tokens the API server accepts, as TokenRequest does. */
  tokens: ServiceAccountTokens;
  /**
   * Address `n` (from 1) of the sandbox's Service range (with namespaces) or of its own `127.A.B.0/24`
   * block (loopback). A Service whose `clusterIP` is one of them keeps it, so a member's address survives its
   * Pod being re-created: with namespaces the Service proxy forwards it to the Pod; on loopback the one Pod
   * the Service selects listens on it.
   */
  address(n: number): string;
  /** The objects, as the API server serves them; for waits that watch the store in this process. */
  store: ObjectStore;
  /** Stops every process, removes the Pods' data; safe to call twice. */
  stop(): Promise<void>;
}

/** The user the kubeconfig's client certificate authenticates, in `system:masters`, as kubeadm's admin. */
export const ADMIN_USER = "kubernetes-admin";

/** The names the API server's certificate carries besides its addresses: `localhost` and the `kubernetes` Service's. */
const API_SERVER_DNS_NAMES = [
  "localhost",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];
/** The sandbox's only node, as Pods' `spec.nodeName` and Events name it. */
const NODE_NAME = "sandbox";
/** How long containers get to exit on SIGTERM when the sandbox stops, before SIGKILL. */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * Starts the API server, the controllers, the kubelet and the metrics endpoint, and writes `DIR/kubeconfig`.
 * A watchdog process kills every process the sandbox started if the sandbox itself is killed.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(options.dir);
  const namespace = options.namespace ?? "default";
  const logger = options.logger ?? silentLogger;

  await mkdir(dir, { recursive: true });
  const podsDir = join(dir, "pods");
  const volumesDir = join(dir, "persistent-volumes");
  await rm(podsDir, { recursive: true, force: true });
  await rm(volumesDir, { recursive: true, force: true });

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
    const guard = await ProcessGuard.start({ cleanupPaths: [podsDir, volumesDir] });
    stops.push(() => guard.close());

    const store = new ObjectStore();
    // The Pod network (mostly waiting for `ip` and friends) and the certificates (CPU) are made side by side;
    // only the serving certificate waits for the network, for the `kubernetes` Service's cluster IP.
    const networkStarting = startPodNetworking(options.isolation ?? "auto", store, guard, logger);
    const kubernetesServiceIP = networkStarting.then((started) =>
      started.mode === "namespaces" ? started.serviceAddresses.allocate() : undefined,
    );
    // A network that fails is reported below, as `network`; this derived promise must not report it again.
    kubernetesServiceIP.catch(() => {});
    const [certificates, network] = await Promise.allSettled([issueCertificates(kubernetesServiceIP), networkStarting]);
    if (network.status === "rejected") throw network.reason;
    const networking = network.value;
    stops.push(() => networking.stop());
    if (certificates.status === "rejected") throw certificates.reason;
    const { ca, serving, admin } = certificates.value;
    const tokens = new ServiceAccountTokens();
    const caFile = join(dir, "pki", "ca.crt");
    await mkdir(join(dir, "pki"), { recursive: true });
    await writeFile(caFile, ca.certPem);

    ensureDefaultStorageClass(store);
    registerSandboxNode(store, networking.pods.hostIP);
    const admitPod = createServiceAccountAdmission(store);
    const controllers = startControllers(store, logger.child({ component: "controllers" }), {
      volumesDir,
      rootCA: ca.certPem,
      admitPod,
    });
    stops.push(() => controllers.stop());
    // Where Pods reach the API server: known once it listens, before any Pod can exist.
    const fromPods: { apiServer?: ApiServerEndpoint } = {};
    const onEventError = (error: unknown) => logger.warn({ err: error }, "writing an event failed");
    const kubelet = new Kubelet({
      store,
      dataDir: dir,
      nodeName: NODE_NAME,
      events: {
        kubelet: createEventRecorder(store, { component: "kubelet", host: NODE_NAME }, undefined, onEventError),
        scheduler: createEventRecorder(store, { component: "default-scheduler" }, undefined, onEventError),
      },
      sandboxes: networking.pods,
      backoffBaseMs: options.backoffMs ?? 1000,
      processes: guard,
      images: catalogWithBuiltIns(options.images),
      logger: logger.child({ component: "kubelet" }),
      tokens: storeTokenIssuer(store, tokens, { nodeName: NODE_NAME }),
      apiServer: () => fromPods.apiServer,
    });
    kubelet.start();
    stops.push(async () => {
      // The Pods' data goes with the sandbox: their processes need no orderly hand-over.
      await kubelet.stop(SHUTDOWN_GRACE_MS);
      await rm(podsDir, { recursive: true, force: true });
      await rm(volumesDir, { recursive: true, force: true });
    });
    const api = await startApiServer({
      store,
      runtime: kubelet,
      deleteObject: createDeleteObject(store),
      tls: { cert: serving.cert, key: serving.key },
      clientCA: ca.certPem,
      tokens,
      serviceAddresses: networking.serviceAddresses,
      admitPod,
      logger: logger.child({ component: "apiserver" }),
    });
    stops.push(() => api.close());
    fromPods.apiServer = reachApiServerFromPods(store, api.url, await kubernetesServiceIP);
    const metrics = await startMetricsServer({ store });
    stops.push(() => metrics.close());

    ensureNamespaces(store, [namespace]);
    // The namespaces' `default` ServiceAccounts and root CA ConfigMaps exist before the first Pod is asked for.
    await controllers.idle();
    const kubeconfig = join(dir, "kubeconfig");
    await writeFileAtomic(
      kubeconfig,
      renderKubeconfig({ name: "kube-sandbox", server: api.url, caPem: ca.certPem, namespace, credentials: admin }),
      0o600,
    );
    return {
      kubeconfig,
      apiServer: api.url,
      metricsURL: metrics.url,
      isolation: networking.mode,
      podNetwork: networking.podNetwork,
      dns: { host: networking.dns.host, port: networking.dns.port },
      caFile,
      ca,
      tokens,
      address: (n) => networking.serviceAddresses.address(n),
      store,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The sandbox's CA, the API server's serving certificate and the admin's client certificate. The serving
 * certificate names 127.0.0.1, `localhost`, the names of the `kubernetes` Service and its cluster IP, if any.
 */
async function issueCertificates(kubernetesServiceIP: Promise<string | undefined>) {
  const ca = await CertificateAuthority.create("kube-sandbox CA");
  const serve = async () => {
    const clusterIP = await kubernetesServiceIP;
    return ca.issue({
      commonName: "sandbox-apiserver",
      ips: clusterIP ? ["127.0.0.1", clusterIP] : ["127.0.0.1"],
      dnsNames: API_SERVER_DNS_NAMES,
      usages: ["server"],
    });
  };
  const [serving, admin] = await Promise.all([
    serve(),
    ca.issue({ commonName: ADMIN_USER, organizations: [SYSTEM_MASTERS], usages: ["client"] }),
  ]);
  return { ca, serving, admin };
}

/**
 * Where Pods reach the API server: with isolated Pods the `kubernetes` Service, made here on `clusterIP` port 443
 * and forwarded by the Service proxy to the API server on 127.0.0.1; on loopback the API server's own address.
 */
function reachApiServerFromPods(store: ObjectStore, apiUrl: string, clusterIP: string | undefined): ApiServerEndpoint {
  const { hostname, port } = new URL(apiUrl);
  if (!clusterIP) return { host: hostname, port: Number(port) };
  registerKubernetesService(store, { clusterIP, apiServerHost: hostname, apiServerPort: Number(port) });
  return { host: clusterIP, port: KUBERNETES_SERVICE_PORT };
}

/** Writes beside the target, then renames: a reader sees the old file or the whole new one. */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, content, { mode });
  await rename(partial, path);
}
