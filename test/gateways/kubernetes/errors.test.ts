import { ApiException } from "@kubernetes/client-node";
import { fetch } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { DeadlineExceededError } from "../../../src/core/errors.js";
import {
  describeApiFailure,
  isNetworkError,
  isRetryableFailure,
  parseStatusBody,
  KubernetesApiError,
  toKubernetesApiError,
} from "../../../src/gateways/kubernetes/errors.js";
import { freePort } from "../../support/tools.js";

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });

/** A socket error as Node reports it, wrapped as undici's fetch (which client-node uses) wraps it. */
function fetchError(code: string): Error {
  const socketError = Object.assign(new Error(`read ${code}`), { code, errno: -104, syscall: "read" });
  return new TypeError("fetch failed", { cause: socketError });
}

/** What undici's fetch really throws when nothing listens on the port. */
let refused: unknown;
let port: number;
beforeAll(async () => {
  port = await freePort();
  refused = await fetch(`https://127.0.0.1:${port}/api`).catch((error: unknown) => error);
});

describe("describeApiFailure", () => {
  it("reads the Status that client-node keeps as raw text in ApiException.body", () => {
    const error = new ApiException(
      404,
      "Unknown API Status Code!",
      status(404, "NotFound", 'deployments.apps "x" not found'),
      {},
    );
    expect(describeApiFailure(error)).toEqual({
      statusCode: 404,
      reason: "NotFound",
      message: 'deployments.apps "x" not found',
      network: false,
    });
  });

  it("reads a Status body that is already parsed", () => {
    const error = new ApiException(
      409,
      "Conflict",
      { kind: "Status", reason: "Conflict", message: "the object has been modified" },
      {},
    );
    expect(describeApiFailure(error)).toMatchObject({
      statusCode: 409,
      reason: "Conflict",
      message: "the object has been modified",
    });
  });

  it("keeps a short piece of a body that is not JSON, and falls back to the status code without a body", () => {
    expect(describeApiFailure(new ApiException(502, "x", "Bad Gateway from the proxy", {}))).toMatchObject({
      message: "Bad Gateway from the proxy",
    });
    expect(describeApiFailure(new ApiException(502, "x", "y".repeat(1000), {})).message).toHaveLength(303);
    expect(describeApiFailure(new ApiException(401, "Unauthorized", undefined, {}))).toEqual({
      statusCode: 401,
      message: "HTTP 401",
      network: false,
    });
  });

  it("reads the statusCode of a failed watch request", () => {
    const error = Object.assign(new Error("Gone"), { statusCode: 410 });
    expect(describeApiFailure(error)).toEqual({ statusCode: 410, message: "Gone", network: false });
  });

  it("tells connection failures from bugs", () => {
    expect(describeApiFailure(refused)).toEqual({
      message: `fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
      network: true,
    });
    expect(isNetworkError(fetchError("ECONNRESET"))).toBe(true);
    expect(isNetworkError(new Error("wrapped", { cause: fetchError("ECONNRESET") }))).toBe(true);
    const closed = Object.assign(new Error("other side closed"), { name: "SocketError", code: "UND_ERR_SOCKET" });
    expect(isNetworkError(new TypeError("fetch failed", { cause: closed }))).toBe(true);
    expect(isNetworkError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(true);
    expect(isNetworkError(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isNetworkError("ECONNREFUSED")).toBe(false);
  });
});

describe("parseStatusBody", () => {
  it("ignores what is not a Status", () => {
    expect(parseStatusBody(undefined)).toEqual({});
    expect(parseStatusBody("  ")).toEqual({});
    expect(parseStatusBody("42")).toEqual({});
    expect(parseStatusBody({ message: 3 })).toEqual({});
  });
});

describe("isRetryableFailure", () => {
  it.each([
    [{ statusCode: undefined, network: true }, true],
    [{ statusCode: undefined, network: false }, false],
    [{ statusCode: 429, network: false }, true],
    [{ statusCode: 500, network: false }, true],
    [{ statusCode: 503, network: false }, true],
    [{ statusCode: 409, reason: "Conflict", network: false }, true],
    [{ statusCode: 409, reason: "AlreadyExists", network: false }, false],
    [{ statusCode: 400, network: false }, false],
    [{ statusCode: 403, reason: "Forbidden", network: false }, false],
    [{ statusCode: 404, reason: "NotFound", network: false }, false],
    [{ statusCode: 422, reason: "Invalid", network: false }, false],
  ])("%o -> %s", (failure, retryable) => {
    expect(isRetryableFailure(failure)).toBe(retryable);
  });
});

describe("KubernetesApiError", () => {
  it("names the call, the object, the status code, the reason and the server's message", () => {
    const cause = new ApiException(
      422,
      "x",
      status(422, "Invalid", 'Deployment.apps "example-1" is invalid: spec.replicas: Invalid value: -1'),
      {},
    );
    const error = new KubernetesApiError("replace", "Deployment default/example-1", cause);
    expect(error.message).toBe(
      "replace Deployment default/example-1 failed with 422 Invalid: " +
        'Deployment.apps "example-1" is invalid: spec.replicas: Invalid value: -1',
    );
    expect(error).toMatchObject({
      name: "KubernetesApiError",
      statusCode: 422,
      reason: "Invalid",
      retryable: false,
      operation: "replace",
    });
    expect(error.cause).toBe(cause);
  });

  it("says what failed when no answer came, and calls it retryable", () => {
    const error = new KubernetesApiError("read", "Deployment default/x", refused);
    expect(error.message).toBe(
      `read Deployment default/x failed: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(error.retryable).toBe(true);
    expect(error.statusCode).toBeUndefined();
  });

  it("leaves errors that are already typed alone", () => {
    const typed = new DeadlineExceededError("x", 10);
    expect(toKubernetesApiError("read", "y", typed)).toBe(typed);
    expect(toKubernetesApiError("read", "y", new ApiException(500, "x", "", {}))).toBeInstanceOf(KubernetesApiError);
  });
});
