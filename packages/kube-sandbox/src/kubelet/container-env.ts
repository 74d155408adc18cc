import type { KubeObject } from "../api/object-store.js";
import { apiServerEnv } from "./api-server-env.js";
import type { ConfigSources } from "./config-sources.js";
import { expandVariables } from "./env-expansion.js";
import { ContainerConfigError } from "./errors.js";
import { resolveFieldRef, type PodAddresses } from "./field-ref.js";
import type { ContainerSpec, KeySelector } from "./pod-spec.js";
import { resolveResourceFieldRef } from "./resource-field-ref.js";

/**
 * A container's environment as Kubernetes builds it: the API server's `KUBERNETES_*` variables (when `sources`
 * know where it is), then `envFrom` sources, then `env` in order, each
 * `value` expanded with `$(VAR)` against what is defined so far. Throws `ContainerConfigError` for a
 * missing Secret, ConfigMap or key that is not optional.
 */
export function buildContainerEnv(
  pod: KubeObject,
  container: ContainerSpec,
  addresses: PodAddresses,
  sources: ConfigSources,
): Map<string, string> {
  const namespace = pod.metadata.namespace ?? "default";
  const apiServer = sources.apiServer?.();
  const env = apiServer ? apiServerEnv(apiServer) : new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const data = sources.configMap(namespace, from.configMapRef.name);
      if (!data && !from.configMapRef.optional)
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      for (const [key, value] of data ?? []) if (!key.includes("=")) env.set(prefix + key, value.toString("utf8"));
    }
    if (from.secretRef) {
      const data = sources.secret(namespace, from.secretRef.name);
      if (!data && !from.secretRef.optional)
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      for (const [key, value] of data ?? []) if (!key.includes("=")) env.set(prefix + key, value.toString("utf8"));
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env.set(
        variable.name,
        expandVariables(variable.value ?? "", (name) => env.get(name)),
      );
      continue;
    }
    if (from.fieldRef) {
      env.set(variable.name, resolveFieldRef(pod, addresses, from.fieldRef.fieldPath));
    } else if (from.secretKeyRef) {
      const value = keyValue(sources.secret(namespace, from.secretKeyRef.name), from.secretKeyRef, "Secret", namespace);
      if (value !== undefined) env.set(variable.name, value);
    } else if (from.configMapKeyRef) {
      const value = keyValue(
        sources.configMap(namespace, from.configMapKeyRef.name),
        from.configMapKeyRef,
        "ConfigMap",
        namespace,
      );
      if (value !== undefined) env.set(variable.name, value);
    } else if (from.resourceFieldRef) {
      env.set(
        variable.name,
        resolveResourceFieldRef(pod, from.resourceFieldRef, container.name, sources.nodeAllocatable()),
      );
    }
  }
  return env;
}

function keyValue(
  data: Map<string, Buffer> | undefined,
  ref: KeySelector,
  kind: "Secret" | "ConfigMap",
  namespace: string,
): string | undefined {
  if (!data) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
  }
  const value = data.get(ref.key);
  if (value === undefined) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}`);
  }
  return value.toString("utf8");
}
