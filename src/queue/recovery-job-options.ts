import type { JobsOptions } from "bullmq";
import type { ServiceSettings } from "../config/index.js";

/**
 * BullMQ options of every recovery job from the service settings: transient failures retried with
 * exponential back-off, and finished recoveries kept within the history bounds.
 */
export function recoveryJobOptions(service: ServiceSettings): JobsOptions {
  const keep = { age: Math.ceil(service.history.maxAgeHours * 3600), count: service.history.maxRecoveries };
  return {
    attempts: service.retry.attempts,
    backoff: { type: "exponential", delay: Math.round(service.retry.backoffSeconds * 1000) },
    removeOnComplete: keep,
    removeOnFail: keep,
    // Progress lines of the recovery, kept with the job for BullMQ tools; bounded so a chatty run stays small.
    keepLogs: 200,
  };
}
