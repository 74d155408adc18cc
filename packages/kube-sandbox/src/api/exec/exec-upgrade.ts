import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { ApiContext } from "../api-context.js";
import { httpErrors } from "../http/http-errors.js";
import { admitRequest } from "../routing/admit-request.js";
import { parseApiPath, pathSegments } from "../routing/resource-path.js";
import { StatusError } from "../status-error.js";
import { acceptPortForward, TOKEN_NAME } from "../portforward/portforward-upgrade.js";
import { parseExecRequest } from "./exec-request.js";
import { runExecSession } from "./exec-session.js";

/** Remote command subprotocols served, most preferred first (both read `[255, 0]` as stdin's end). */
const EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

export interface UpgradeHandler {
  /** For the HTTPS server's `upgrade` event. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every open exec connection. */
  close(): void;
}

/**
 * Serves `pods/exec` over WebSocket (any other upgrade, SPDY, which older clients fall back to, is answered with a
 * Status saying only WebSocket is served), and `pods/portforward` over WebSocket-tunneled or plain SPDY.
 */
export function createExecUpgradeHandler(ctx: ApiContext): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => pickProtocol([...offered]) ?? (offered.has(TOKEN_NAME) ? TOKEN_NAME : false),
  });
  return {
    handle(req, socket, head) {
      socket.on("error", (error) => ctx.logger.debug({ err: error, path: req.url }, "upgrade connection error"));
      try {
        accept(ctx, wss, req, socket, head);
      } catch (error) {
        const status = error instanceof StatusError ? error : httpErrors.internal(String(error));
        if (!(error instanceof StatusError)) ctx.logger.error({ err: error, path: req.url }, "exec upgrade failed");
        else ctx.logger.debug({ path: req.url, code: status.code }, "upgrade refused");
        refuse(socket, status);
      }
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

function accept(ctx: ApiContext, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? "/", "https://apiserver.invalid");
  admitRequest(ctx, req, req.method ?? "GET", url);
  const segments = pathSegments(url.pathname);
  const path = segments ? parseApiPath(segments) : undefined;
  if (
    path?.kind === "resource" &&
    path.route.resource === "pods" &&
    path.route.subresource === "portforward" &&
    path.route.name
  ) {
    acceptPortForward(ctx, wss, req, socket, head, path.route);
    return;
  }
  if (
    path?.kind !== "resource" ||
    path.route.resource !== "pods" ||
    path.route.subresource !== "exec" ||
    !path.route.name
  ) {
    throw httpErrors.pathNotFound();
  }
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  if (upgrade !== "websocket") {
    const offered = req.headers.upgrade ?? "this";
    throw StatusError.badRequest(
      `pods/exec is served only over WebSocket (${EXEC_PROTOCOLS.join(", ")}); ${offered} upgrade is not supported`,
    );
  }
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim());
  if (!pickProtocol(offered)) {
    throw StatusError.badRequest(
      `none of the offered subprotocols is supported; use one of ${EXEC_PROTOCOLS.join(", ")}`,
    );
  }
  const { namespace, name } = path.route;
  const pod = ctx.store.require("pods", namespace, name);
  const request = parseExecRequest(url.searchParams);
  const containers = ((pod.spec as { containers?: { name?: string }[] } | undefined)?.containers ?? []).map(
    (c) => c.name,
  );
  if (request.container && !containers.includes(request.container)) {
    throw StatusError.badRequest(`container ${request.container} is not valid for pod ${pod.metadata.name}`);
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ctx.logger.debug({ namespace, pod: name, command: request.command, protocol: ws.protocol }, "exec");
    const closer = () => ws.terminate();
    ctx.openStreams.add(closer);
    runExecSession({
      ws,
      runtime: ctx.runtime,
      namespace: namespace ?? "",
      pod: pod.metadata.name,
      request,
      logger: ctx.logger,
      onClose: () => ctx.openStreams.delete(closer),
    });
  });
}

function pickProtocol(offered: string[]): string | undefined {
  return EXEC_PROTOCOLS.find((p) => offered.includes(p));
}

/** A plain HTTP answer on a connection that asked to upgrade. */
function refuse(socket: Duplex, error: StatusError): void {
  const body = JSON.stringify(error.toStatus());
  socket.end(
    `HTTP/1.1 ${error.code} ${STATUS_CODES[error.code] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}
