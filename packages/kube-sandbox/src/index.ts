export { startSandbox, writeFileAtomic, type Sandbox, type SandboxOptions } from "./sandbox.js";
export { ADMIN_USER } from "./sandbox.js";
export {
  DEFAULT_TOKEN_ISSUER,
  ServiceAccountTokens,
  type IssuedToken,
  type TokenGrant,
} from "./api/auth/service-account-tokens.js";
export {
  IsolationUnavailableError,
  isIsolationMode,
  type IsolationMode,
  type PodNetworkInfo,
} from "./node/pod-networking.js";
export { BUILT_IN_IMAGES } from "./images/built-in-images.js";
export { ImageEntryError, type ImageEntry } from "./images/image-catalog.js";
export { ImageCatalogFileError, loadImageCatalogFile } from "./images/catalog-file.js";
export { InvalidImageReferenceError, parseImageReference, type ImageReference } from "./images/image-reference.js";
export { createLogger, silentLogger, type Logger, type LoggerOptions } from "./logger.js";
export { ObjectStore, type KubeObject } from "./api/object-store.js";
export { waitForStore, StoreWaitTimeoutError } from "./wait-for-store.js";
export { CertificateAuthority, type KeyPairPem, type LeafRequest } from "./pki/certificate-authority.js";
export { AddressBlock, type ClaimOptions } from "./network/address-block.js";
export { probePort } from "./network/port-probe.js";
export { ProcessGuard, type ProcessGuardOptions, type ProcessTracker } from "./process-guard/process-guard.js";
export { matchesRequirements, parseLabelSelector } from "./api/label-selector.js";
export { answerFromCluster, type ClusterAnswer, type ZoneOptions } from "./dns/cluster-records.js";
export { podResolvConf, startDnsServer, type DnsServer, type DnsServerOptions } from "./dns/dns-server.js";
export type { AnswerFault, DropWatchesFault, FaultMatch, FaultLimits, FaultSpec } from "./api/faults/fault-spec.js";
export type { FaultReport, FaultState } from "./api/faults/fault-switch.js";
export { FAULTS_PATH } from "./api/faults/serve-faults.js";
