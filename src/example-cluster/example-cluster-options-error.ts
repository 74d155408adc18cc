/** An option of the example cluster generator is invalid; the message names the option and the rule. */
export class ExampleClusterOptionsError extends Error {
  override readonly name = "ExampleClusterOptionsError";

  constructor(
    /** The offending option, e.g. `name`, `addressing.ips`. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    Object.setPrototypeOf(this, ExampleClusterOptionsError.prototype);
  }
}
