export { createKubernetesGateway, type KubernetesGatewayOptions } from "./create-kubernetes-gateway.js";
export { ClientNodeGateway } from "./client-node-gateway.js";
export { KubernetesApiError } from "./kubernetes-api-error.js";
export { LeaseHeldError } from "./lease-held-error.js";
export { LeaseLostError } from "./lease-lost-error.js";
export { isPodReady } from "./pod-ready.js";
export { summarizePods } from "./pod-summary.js";
export type { EventTarget, HeldLease, KubernetesGateway, PodLogRequest, RecordedEvent } from "./kubernetes-gateway.js";
