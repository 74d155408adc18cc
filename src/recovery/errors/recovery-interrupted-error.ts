import { ResponderError } from "../../errors/index.js";

/** The recovery was asked to stop (SIGINT, SIGTERM, a worker shutting down) and stopped at a step boundary. */
export class RecoveryInterruptedError extends ResponderError {
  constructor(step: string) {
    // Every step checks the world before changing it, so another run picks up where this one stopped.
    super(`interrupted before step ${step}; run again to resume`, { retryable: true });
  }
}
