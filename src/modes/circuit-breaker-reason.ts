import type { CircuitBreakerSettings } from "../config/index.js";

/** The reason a tripped cluster shows, saying what tripped it and what to do. */
export function circuitBreakerReason(settings: CircuitBreakerSettings): string {
  const noun = settings.failures === 1 ? "failed recovery" : "failed recoveries";
  return `${settings.failures} ${noun} within ${settings.windowMinutes} min; set the mode back to act after checking the cluster`;
}
