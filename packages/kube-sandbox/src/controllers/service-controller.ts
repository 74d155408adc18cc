import type { ObjectStore, StoreEvent } from "../api/object-store.js";
import { parseObjectKey, type Controller } from "./controller.js";
import { allServiceKeys, serviceKeysFor, type Service } from "./service-pods.js";

/** One Service to bring in line: its work key, namespace and name, and the Service unless it is gone. */
export interface ServiceWork {
  /** The work key, `namespace/name` of the Service. */
  key: string;
  /** The Service's namespace. */
  namespace: string | undefined;
  /** The Service's name. */
  name: string;
  /** The Service as stored; undefined once it is deleted. */
  service: Service | undefined;
}

/** What a controller keeping objects for every Service of selected Pods makes of its work. */
export interface ServiceControllerSpec {
  /** The controller's name (see `Controller.name`). */
  name: string;
  /** Catalog key of the objects the controller writes. */
  writes: string;
  /** Work keys for a change to an object of `writes`, so that what someone else changed is put back. */
  keysForWritten(event: StoreEvent): string[];
  /** Brings the objects of one Service in line; throws to be retried after a delay. */
  reconcile(work: ServiceWork): void;
}

/**
 * A controller whose work keys are Services: a Service's change and a change to a Pod it selects (see
 * `serviceKeysFor`) call for that Service, a change to what the controller writes calls for what
 * `keysForWritten` says, and every Service is worked on at start.
 */
export function createServiceController(store: ObjectStore, spec: ServiceControllerSpec): Controller {
  return {
    name: spec.name,
    keysFor: (event) => (event.resource === spec.writes ? spec.keysForWritten(event) : serviceKeysFor(store, event)),
    initialKeys: () => allServiceKeys(store),
    reconcile(key: string): void {
      const { namespace, name } = parseObjectKey(key);
      const service: Service | undefined = store.get("services", namespace, name);
      spec.reconcile({ key, namespace, name, service });
    },
  };
}
