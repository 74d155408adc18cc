/** The watchdog could not be started or did not finish in time, or a process group id is unusable. */
export class ProcessGuardError extends Error {
  override readonly name = "ProcessGuardError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ProcessGuardError.prototype);
  }
}
