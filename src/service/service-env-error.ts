import { ResponderError } from "../errors/index.js";

/**
 * An environment variable the service reads has a value it cannot use. Not retryable: the environment has
 * to be fixed. The message names the variable and the value.
 */
export class ServiceEnvError extends ResponderError {
  /** The variable concerned, e.g. `PORT`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message, { retryable: false });
    this.variable = variable;
  }
}
