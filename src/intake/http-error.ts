/**
 * An answer other than success, decided by the intake itself: the status and a sentence saying what is
 * wrong and, where it helps, what to send instead. The error handler answers `{"error": message}`.
 */
export class HttpError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;

  constructor(status: number, message: string, headers: Readonly<Record<string, string | readonly string[]>> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
