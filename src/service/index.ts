export {
  runService,
  EXIT_MISCONFIGURED,
  type RunServiceOptions,
  type ServiceIO,
  type ServiceRole,
} from "./run-service.js";
export { readServiceEnv, leaseHolder, SERVICE_ENV_DEFAULTS, type ServiceEnv } from "./service-env.js";
export { ServiceEnvError } from "./service-env-error.js";
export { createServiceResources, type ServiceResources, type ServiceResourcesOptions } from "./service-resources.js";
export { startReceiver, type ReceiverOptions } from "./start-receiver.js";
export { startWorker, type WorkerOptions, type WorkerRole } from "./start-worker.js";
export { keepStartingWorkers, type KeepStartingOptions, type StartingWorkers } from "./keep-starting-workers.js";
export { createMemberRecoveryRunner } from "./member-recovery-runner.js";
export { recoveryMetricsHooks, countingCircuitBreakerTrips } from "./recovery-metrics.js";
export { listen, type HttpListener } from "./http-listener.js";
