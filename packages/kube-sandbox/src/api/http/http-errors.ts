import { StatusError } from "../status-error.js";

/** Failures of the HTTP layer itself, worded as the Kubernetes API server words them. */
export const httpErrors = {
  /** A path that names no served resource. */
  pathNotFound(): StatusError {
    return new StatusError(404, "NotFound", "the server could not find the requested resource");
  },
  methodNotAllowed(method: string): StatusError {
    return new StatusError(
      405,
      "MethodNotAllowed",
      `the server does not allow this method on the requested resource (${method})`,
    );
  },
  tooLarge(limit: number): StatusError {
    return new StatusError(
      413,
      "RequestEntityTooLarge",
      `the request body is larger than the server accepts (limit ${limit} bytes)`,
    );
  },
  unsupportedMediaType(contentType: string, accepted: string[]): StatusError {
    return new StatusError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format (${contentType || "none"}) - ` +
        `accepted media types include: ${accepted.join(", ")}`,
    );
  },
  forbidden(message: string): StatusError {
    return new StatusError(403, "Forbidden", message);
  },
  internal(message: string): StatusError {
    return new StatusError(500, "InternalError", `Internal error occurred: ${message}`);
  },
};
