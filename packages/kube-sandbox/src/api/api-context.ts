import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { DeleteObject } from "../controllers/delete-object.js";
import type { PodRuntime } from "../pod-runtime.js";
import type { PodAdmission } from "./admission/service-account-admission.js";
import type { ServiceAccountTokens } from "./auth/service-account-tokens.js";
import type { UserInfo } from "./auth/user-info.js";
import type { FaultSwitch } from "./faults/fault-switch.js";
import type { ObjectStore } from "./object-store.js";
import type { ServiceAddresses } from "./objects/service-addresses.js";
import type { ResourceRoute } from "./routing/resource-path.js";

/** What every handler of the API server works with. */
export interface ApiContext {
  store: ObjectStore;
  runtime: PodRuntime;
  deleteObject: DeleteObject;
  serviceAddresses: ServiceAddresses;
  logger: Logger;
  /** Closers of open watch streams and exec sessions, run when the server closes. */
  openStreams: Set<() => void>;
  /** How long a watch that asked for bookmarks may stay silent before it gets one, ms. */
  bookmarkIntervalMs: number;
  /** Issues ServiceAccount tokens (TokenRequest) and authenticates requests that carry them. */
  tokens: ServiceAccountTokens;
  /** Admits every Pod created through the API (the ServiceAccount admission); none when absent. */
  admitPod: PodAdmission | undefined;
  /** Faults the sandbox's admin turned on: answers in place of the server's, watches to cut. */
  faults: FaultSwitch;
}

/** One request for objects of a served type. */
export interface ApiRequest {
  method: string;
  route: ResourceRoute;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, read once on first call; 413 past the limit. */
  body(): Promise<Buffer>;
  req: IncomingMessage;
  res: ServerResponse;
  /** Who sent the request, as authentication found; authorization already allowed it. */
  user: UserInfo;
}
