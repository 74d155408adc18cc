import { ROOT_CA_CONFIG_MAP } from "../api/admission/service-account-admission.js";
import type { ObjectStore, StoreEvent } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import type { Controller } from "./controller.js";

/** The key of the root CA ConfigMap that holds the certificate, PEM. */
const CA_KEY = "ca.crt";

/**
 * Publishes the CA that signed the API server's certificate as the ConfigMap `kube-root-ca.crt` (key `ca.crt`)
 * in every namespace, as kube-controller-manager's root-ca-cert-publisher does: when the namespace appears, and
 * again when the ConfigMap is deleted or its data changed; never in a namespace being deleted.
 */
export function createRootCaPublisher(options: { store: ObjectStore; caPem: string; logger: Logger }): Controller {
  const { store, caPem } = options;
  const logger = options.logger.child({ name: "root-ca-cert-publisher" });
  return {
    name: "root-ca-cert-publisher",
    keysFor(event: StoreEvent): string[] {
      const { object } = event;
      if (event.resource === "namespaces") return event.type === "DELETED" ? [] : [object.metadata.name];
      const touched = event.resource === "configmaps" && object.metadata.name === ROOT_CA_CONFIG_MAP;
      return touched && object.metadata.namespace ? [object.metadata.namespace] : [];
    },
    initialKeys: () => store.list("namespaces").map((ns) => ns.metadata.name),
    reconcile(namespace: string): void {
      const ns = store.get("namespaces", undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      const data = { [CA_KEY]: caPem };
      const existing = store.get("configmaps", namespace, ROOT_CA_CONFIG_MAP);
      if (!existing) {
        store.create("configmaps", {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: ROOT_CA_CONFIG_MAP, namespace },
          data,
        });
        logger.debug({ namespace }, "published the root CA");
        return;
      }
      store.mutate("configmaps", namespace, ROOT_CA_CONFIG_MAP, (configMap) => {
        if (JSON.stringify(configMap.data) === JSON.stringify(data) && configMap.binaryData === undefined) return false;
        configMap.data = data;
        delete configMap.binaryData;
      });
    },
  };
}
