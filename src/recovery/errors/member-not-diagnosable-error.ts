import { ResponderError } from "../../errors/index.js";

/**
 * The member is in a state that does not tell yet whether it needs recovery (its Pod is starting, or
 * it answers but has not settled). Retryable: a later attempt sees a clearer state. Nothing was changed.
 */
export class MemberNotDiagnosableError extends ResponderError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}
