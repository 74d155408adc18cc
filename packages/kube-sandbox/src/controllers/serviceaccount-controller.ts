import type { ObjectStore, StoreEvent } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import type { Controller } from "./controller.js";

/** The ServiceAccount every namespace has. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

/**
 * Gives every namespace its `default` ServiceAccount, as kube-controller-manager's serviceaccount controller
 * does: when the namespace appears, and again when that ServiceAccount is deleted; never in a namespace being
 * deleted.
 */
export function createServiceAccountController(options: { store: ObjectStore; logger: Logger }): Controller {
  const { store } = options;
  const logger = options.logger.child({ name: "serviceaccount-controller" });
  return {
    name: "serviceaccount",
    keysFor(event: StoreEvent): string[] {
      const { object } = event;
      if (event.resource === "namespaces") return event.type === "DELETED" ? [] : [object.metadata.name];
      const removedDefault =
        event.resource === "serviceaccounts" &&
        event.type === "DELETED" &&
        object.metadata.name === DEFAULT_SERVICE_ACCOUNT;
      return removedDefault && object.metadata.namespace ? [object.metadata.namespace] : [];
    },
    initialKeys: () => store.list("namespaces").map((ns) => ns.metadata.name),
    reconcile(namespace: string): void {
      const ns = store.get("namespaces", undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      if (store.get("serviceaccounts", namespace, DEFAULT_SERVICE_ACCOUNT)) return;
      store.create("serviceaccounts", {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace },
      });
      logger.debug({ namespace }, "created the default ServiceAccount");
    },
  };
}
