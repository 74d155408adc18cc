import type { ObjectStore } from "../api/object-store.js";
import { sandboxNodeResources } from "../api/objects/sandbox-node.js";
import type { ProjectedTokenIssuer } from "./projected-tokens.js";
import type { ApiServerEndpoint } from "./api-server-env.js";

/** Reads what env vars and volumes refer to beyond the Pod: Secrets, ConfigMaps, claims and the node's resources. */
export interface ConfigSources {
  /** A Secret's `data`, base64-decoded; undefined when there is no such Secret. */
  secret(namespace: string, name: string): Map<string, Buffer> | undefined;
  /** A ConfigMap's `data` and `binaryData` (decoded); undefined when there is no such ConfigMap. */
  configMap(namespace: string, name: string): Map<string, Buffer> | undefined;
  /**
   * The folder of the volume a PersistentVolumeClaim is bound to, or why the claim cannot be mounted yet
   * (missing, being deleted, not bound), in the words of a kubelet.
   */
  claim(namespace: string, name: string): { path: string } | { problem: string };
  /** The node's allocatable resources (`cpu`, `memory`, ...), which stand for the limits a container does not set. */
  nodeAllocatable(): Record<string, string>;
  /** Issues the tokens of projected `serviceAccountToken` sources; without it they write nothing. */
  tokens?: ProjectedTokenIssuer;
  /** Where containers reach the API server (the `KUBERNETES_*` variables); none are set without it. */
  apiServer?: () => ApiServerEndpoint | undefined;
}

/** What `storeConfigSources` takes besides the store. */
export interface ExtraConfigSources {
  /** See `ConfigSources.tokens`. */
  tokens?: ProjectedTokenIssuer;
  /** See `ConfigSources.apiServer`. */
  apiServer?: () => ApiServerEndpoint | undefined;
}

/** Config sources read from the sandbox's object store, with the token issuer and API server given. */
export function storeConfigSources(store: ObjectStore, extra: ExtraConfigSources = {}): ConfigSources {
  return {
    ...extra,
    secret(namespace, name) {
      const obj = store.get("secrets", namespace, name);
      if (!obj) return undefined;
      const out = new Map<string, Buffer>();
      for (const [key, value] of Object.entries(asStringMap(obj.data))) out.set(key, Buffer.from(value, "base64"));
      // The API server folds stringData into data; an object written straight to the store may still carry it.
      for (const [key, value] of Object.entries(asStringMap(obj.stringData))) out.set(key, Buffer.from(value, "utf8"));
      return out;
    },
    claim(namespace, name) {
      const claim = store.get("persistentvolumeclaims", namespace, name);
      if (!claim) return { problem: `persistentvolumeclaim "${name}" not found` };
      if (claim.metadata.deletionTimestamp) return { problem: `persistentvolumeclaim "${name}" is being deleted` };
      const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
      const volume = volumeName ? store.get("persistentvolumes", undefined, volumeName) : undefined;
      const path = (volume?.spec as { hostPath?: { path?: string } } | undefined)?.hostPath?.path;
      if (!path) return { problem: `persistentvolumeclaim "${name}" is not bound` };
      return { path };
    },
    configMap(namespace, name) {
      const obj = store.get("configmaps", namespace, name);
      if (!obj) return undefined;
      const out = new Map<string, Buffer>();
      for (const [key, value] of Object.entries(asStringMap(obj.data))) out.set(key, Buffer.from(value, "utf8"));
      for (const [key, value] of Object.entries(asStringMap(obj.binaryData)))
        out.set(key, Buffer.from(value, "base64"));
      return out;
    },
    nodeAllocatable: sandboxNodeResources,
  };
}

function asStringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === "string") out[key] = entry;
  return out;
}
