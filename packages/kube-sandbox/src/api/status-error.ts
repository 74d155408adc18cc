/** A Kubernetes `Status` failure, thrown inside the sandbox API server and sent as the HTTP answer. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "MethodNotAllowed"
  | "Unauthorized"
  | "Forbidden"
  | "Expired"
  | "Gone"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "InternalError";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export class StatusError extends Error {
  override readonly name = "StatusError";

  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details: StatusDetails = {},
  ) {
    super(message);
    Object.setPrototypeOf(this, StatusError.prototype);
  }

  /** The body Kubernetes sends for this failure; without `details` when there are none, as Kubernetes omits them. */
  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(Object.keys(this.details).length > 0 ? { details: this.details } : {}),
      code: this.code,
    };
  }

  /** `deployments.apps "x" not found` */
  static notFound(resource: string, group: string, name: string): StatusError {
    const qualified = group ? `${resource}.${group}` : resource;
    return new StatusError(404, "NotFound", `${qualified} "${name}" not found`, { name, group, kind: resource });
  }

  /** `configmaps "x" is forbidden: WHY`, or `configmaps is forbidden: WHY` for an object without a name yet. */
  static forbidden(resource: string, group: string, name: string, why: string): StatusError {
    const qualified = group ? `${resource}.${group}` : resource;
    const subject = name ? `${qualified} "${name}"` : qualified;
    return new StatusError(403, "Forbidden", `${subject} is forbidden: ${why}`, { name, group, kind: resource });
  }

  static alreadyExists(resource: string, group: string, name: string): StatusError {
    const qualified = group ? `${resource}.${group}` : resource;
    return new StatusError(409, "AlreadyExists", `${qualified} "${name}" already exists`, {
      name,
      group,
      kind: resource,
    });
  }

  static conflict(resource: string, group: string, name: string): StatusError {
    const qualified = group ? `${resource}.${group}` : resource;
    return new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; ` +
        "please apply your changes to the latest version and try again",
      { name, group, kind: resource },
    );
  }

  /** `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
  static invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
    const qualified = group ? `${kind}.${group}` : kind;
    const text = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
    return new StatusError(422, "Invalid", `${qualified} "${name}" is invalid: ${text}`, { name, group, kind, causes });
  }

  static badRequest(message: string): StatusError {
    return new StatusError(400, "BadRequest", message);
  }

  static expired(requested: string, oldest: string): StatusError {
    return new StatusError(410, "Expired", `too old resource version: ${requested} (${oldest})`);
  }
}
