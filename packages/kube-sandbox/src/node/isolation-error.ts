/** A namespace, interface, mount or address range of Pod isolation could not be set up, used or removed. */
export class IsolationError extends Error {
  override readonly name = "IsolationError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, IsolationError.prototype);
  }
}
