/** No address block could be claimed, a block ran out of addresses, or an address or prefix is malformed. */
export class AddressBlockError extends Error {
  override readonly name = "AddressBlockError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, AddressBlockError.prototype);
  }
}
