import type { KubeObject, ObjectStore } from "../object-store.js";
import { randomNameSuffix } from "../object-store.js";
import { StatusError } from "../status-error.js";

/** What the API server's admission does to a new Pod before it is stored; throws the `StatusError` that refuses it. */
export type PodAdmission = (pod: KubeObject) => void;

/** Where every container finds its ServiceAccount's token, the cluster's CA and its namespace. */
export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The ConfigMap every namespace has, holding the CA that signed the API server's certificate as `ca.crt`. */
export const ROOT_CA_CONFIG_MAP = "kube-root-ca.crt";
/** The ServiceAccount a Pod that names none runs as. */
const DEFAULT_SERVICE_ACCOUNT = "default";
/** Start of the name of the projected volume admission adds, followed by five random characters. */
const TOKEN_VOLUME_PREFIX = "kube-api-access-";
/** The lifetime kube-apiserver asks for the token of that volume (an hour, and 7 s to tell it from a user's). */
const TOKEN_EXPIRATION_SECONDS = 3607;

interface Container {
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  [field: string]: unknown;
}

interface AdmittedPodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; [source: string]: unknown }[];
  containers?: Container[];
  initContainers?: Container[];
  [field: string]: unknown;
}

/**
 * kube-apiserver's ServiceAccount admission plugin, on Pod create: `spec.serviceAccountName` defaults to
 * `default` (and `spec.serviceAccount` mirrors it); a Pod whose ServiceAccount does not exist is refused with
 * 403 Forbidden; unless `automountServiceAccountToken` is false (on the Pod, else on the ServiceAccount), a
 * projected volume `kube-api-access-XXXXX` (the token, the cluster's CA and the namespace) is added and mounted
 * read-only at `SERVICE_ACCOUNT_MOUNT_PATH` in every container and init container that mounts nothing there.
 */
export function createServiceAccountAdmission(store: ObjectStore): PodAdmission {
  return (pod) => {
    const spec = (pod.spec ??= {}) as AdmittedPodSpec;
    const name = spec.serviceAccountName || spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    const namespace = pod.metadata.namespace ?? "default";
    const serviceAccount = store.get("serviceaccounts", namespace, name);
    if (!serviceAccount) {
      // Admission runs before the name is generated: a Pod with generateName is named by its prefix.
      const shownName = pod.metadata.name || pod.metadata.generateName || "Unknown";
      const why = `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`;
      throw StatusError.forbidden("pods", "", shownName, why);
    }
    if (shouldAutomount(spec, serviceAccount)) mountServiceAccountToken(spec);
  };
}

/** The Pod's `automountServiceAccountToken`, else the ServiceAccount's, else true. */
function shouldAutomount(spec: AdmittedPodSpec, serviceAccount: KubeObject): boolean {
  if (typeof spec.automountServiceAccountToken === "boolean") return spec.automountServiceAccountToken;
  const fromAccount = serviceAccount.automountServiceAccountToken;
  return typeof fromAccount === "boolean" ? fromAccount : true;
}

function mountServiceAccountToken(spec: AdmittedPodSpec): void {
  const volumes = spec.volumes ?? [];
  const existing = volumes.find((volume) => volume.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing?.name ?? `${TOKEN_VOLUME_PREFIX}${randomNameSuffix()}`;
  let mounted = false;
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts = container.volumeMounts ?? [];
    if (mounts.some((mount) => mount.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    container.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    mounted = true;
  }
  if (existing || !mounted) return;
  spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

/** The projected volume's sources, as kube-apiserver writes them. */
function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: "token", expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
        },
      },
    ],
  };
}
