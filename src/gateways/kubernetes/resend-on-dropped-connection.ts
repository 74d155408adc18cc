import { wrapHttpLibrary, type HttpLibrary, type RequestContext } from "@kubernetes/client-node";
import { errorCodes } from "./api-failure.js";

/**
 * Codes of a connection dropped before the answer came, as undici's fetch reports them on the error's cause:
 * reset by the server (ECONNRESET), or closed by it ("other side closed", UND_ERR_SOCKET).
 */
const DROPPED_CONNECTION_CODES = new Set(["ECONNRESET", "UND_ERR_SOCKET"]);

/**
 * Sends a request once more when the connection it went out on was dropped before an answer came, as happens
 * when the server closes an idle kept-alive connection just as it is reused. A POST is never sent twice: the
 * server may have created the object before the connection broke.
 */
export function resendOnDroppedConnection(library: HttpLibrary): HttpLibrary {
  const send = (request: RequestContext) => library.send(request).toPromise();
  return wrapHttpLibrary({
    async send(request) {
      try {
        return await send(request);
      } catch (error) {
        const dropped = errorCodes(error).some((code) => DROPPED_CONNECTION_CODES.has(code));
        if (!dropped || request.getHttpMethod() === "POST") throw error;
        return send(request);
      }
    },
  });
}
