import { ResponderError } from "../errors/index.js";

/**
 * The API credentials cannot be set up from the environment. Not retryable: the environment has to be
 * fixed. The message names the variable (and file) concerned.
 */
export class AuthSettingsError extends ResponderError {
  /** The environment variable concerned, e.g. `AUTH_TOKEN_FILE`. */
  readonly variable: string;

  constructor(variable: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.variable = variable;
  }
}
