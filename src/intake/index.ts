export { createIntakeApp, type IntakeDeps } from "./create-intake-app.js";
export { createProbeApp, type ProbeAppOptions } from "./create-probe-app.js";
export {
  readAuthSettings,
  MISSING_CREDENTIALS_MESSAGE,
  type AuthSettings,
  type ReadAuthSettingsOptions,
} from "./auth.js";
export { AuthSettingsError } from "./auth-settings-error.js";
export { credentialsCheck, parseAuthorization, type CredentialsCheck } from "./credentials.js";
export {
  createMemberOfPod,
  type MemberOfPod,
  type MemberOfPodOptions,
  type PodMember,
  type ReadPodLabels,
} from "./member-of-pod.js";
export { podLabelsFromGateway } from "./pod-labels-from-gateway.js";
export { memberFromPodName, isPodOfDeployment, type MemberDeployment } from "./pod-name-convention.js";
export { memberFromPodLabels } from "./pod-labels.js";
export { classifyAlert, type AlertClassification, type AlertCandidate, type IgnoreReason } from "./classify-alert.js";
export { alertmanagerPayloadSchema, type AlertmanagerPayload, type AlertmanagerAlert } from "./alertmanager-payload.js";
export { MAX_BODY_BYTES } from "./json-body.js";
export { servedRoutes, type ServedRoute } from "./served-routes.js";
