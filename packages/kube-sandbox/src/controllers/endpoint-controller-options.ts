import type { ObjectStore } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import type { DeleteObject } from "./delete-object.js";

/** What the endpoints, endpointslice and endpointslice mirroring controllers each work with. */
export interface EndpointControllerOptions {
  /** The objects: Services, Pods, Endpoints and EndpointSlices are read and written here. */
  store: ObjectStore;
  /**
   * Deletes what the controller no longer wants (the Endpoints of a Service that is gone, surplus
   * slices), the way the API server deletes.
   */
  deleteObject: DeleteObject;
  /** Where the controller says what it created. */
  logger: Logger;
}
