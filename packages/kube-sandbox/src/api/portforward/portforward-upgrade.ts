import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { ApiContext } from "../api-context.js";
import type { ResourceRoute } from "../routing/resource-path.js";
import { StatusError } from "../status-error.js";
import type { ForwardTarget } from "./pod-dialer.js";
import { PortForwardStreams } from "./port-forward.js";
import { SpdySession } from "./spdy-session.js";

/** The port-forward protocol of Kubernetes' streaming servers. */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** The WebSocket subprotocol kubectl 1.31+ asks for: SPDY tunneled in binary WebSocket messages. */
export const TUNNELED_PORT_FORWARD_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** The name the tunneled protocol is negotiated under inside the ws library. */
export const TOKEN_NAME = "kube-sandbox-spdy-portforward";

/**
 * Serves an upgrade request for `pods/NAME/portforward`, already authenticated and authorized: over WebSocket
 * with the `SPDY/3.1+portforward.k8s.io` subprotocol (what kubectl 1.32 tries first: a GET), or as a plain
 * `Upgrade: SPDY/3.1` connection (its fallback: a POST), SPDY/3.1 carrying the port-forward streams either way.
 * Connections go to `localhost` in the Pod's network namespace, or to its address (see `dialPod`).
 */
export function acceptPortForward(
  ctx: ApiContext,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ResourceRoute,
): void {
  const pod = ctx.store.require("pods", route.namespace, route.name!);
  const podIp = (pod.status as { podIP?: string } | undefined)?.podIP;
  if (!podIp) {
    throw StatusError.badRequest(`unable to forward ports: pod ${pod.metadata.name} does not have an IP address yet`);
  }
  const target: ForwardTarget = {
    host: podIp,
    netns: ctx.runtime.podNetworkNamespace?.(route.namespace ?? "", pod.metadata.name),
    pod: pod.metadata.name,
    uid: pod.metadata.uid ?? "",
  };
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const offered = headerList(req.headers["sec-websocket-protocol"]);
    if (!offered.includes(TUNNELED_PORT_FORWARD_PROTOCOL)) {
      throw StatusError.badRequest(
        "none of the offered subprotocols is supported; " +
          `pods/portforward over WebSocket is served with ${TUNNELED_PORT_FORWARD_PROTOCOL}`,
      );
    }
    // `/` and `+` are not token characters, so the ws library would refuse the subprotocol as offered: it is
    // negotiated under a token name, and the answer's header put back to the name the client asked for.
    req.headers["sec-websocket-protocol"] = TOKEN_NAME;
    const restoreName = (headers: string[], request: IncomingMessage) => {
      if (request !== req) return;
      wss.off("headers", restoreName);
      const index = headers.findIndex((h) => h.toLowerCase().startsWith("sec-websocket-protocol:"));
      if (index >= 0) headers[index] = `Sec-WebSocket-Protocol: ${TUNNELED_PORT_FORWARD_PROTOCOL}`;
    };
    wss.on("headers", restoreName);
    socket.once("close", () => wss.off("headers", restoreName));
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ctx, ws, target));
    return;
  }
  if (upgrade !== "spdy/3.1") {
    throw StatusError.badRequest(
      `pods/portforward is served over WebSocket (${TUNNELED_PORT_FORWARD_PROTOCOL}) or SPDY/3.1; ` +
        `${req.headers.upgrade ?? "this"} upgrade is not supported`,
    );
  }
  const versions = headerList(req.headers["x-stream-protocol-version"]);
  if (versions.length > 0 && !versions.includes(PORT_FORWARD_PROTOCOL)) {
    throw new StatusError(
      403,
      "Forbidden",
      `unable to upgrade: unable to negotiate protocol: client supports [${versions.join(" ")}], ` +
        `server supports [${PORT_FORWARD_PROTOCOL}]`,
    );
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Connection: Upgrade\r\n" +
      "Upgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
  );
  serveSpdySocket(ctx, socket, head, target);
}

function serveWebSocket(ctx: ApiContext, ws: WebSocket, target: ForwardTarget) {
  ctx.logger.debug({ pod: target.pod, protocol: ws.protocol }, "port-forward");
  const streams = new PortForwardStreams(target, ctx.logger);
  const session = new SpdySession({
    send: (frame) => {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    close: () => ws.close(1000),
    onStream: (stream) => streams.accept(stream),
    onError: (error) => ctx.logger.debug({ err: error, pod: target.pod }, "port-forward protocol error"),
  });
  const closer = () => ws.terminate();
  ctx.openStreams.add(closer);
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    session.receive(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.on("error", (error) => ctx.logger.debug({ err: error, pod: target.pod }, "port-forward connection error"));
  ws.on("close", () => {
    ctx.openStreams.delete(closer);
    session.connectionClosed();
    streams.close();
  });
}

function serveSpdySocket(ctx: ApiContext, socket: Duplex, head: Buffer, target: ForwardTarget): void {
  ctx.logger.debug({ pod: target.pod, protocol: "SPDY/3.1" }, "port-forward");
  const streams = new PortForwardStreams(target, ctx.logger);
  const session = new SpdySession({
    send: (frame) => {
      if (!socket.destroyed) socket.write(frame);
    },
    close: () => socket.end(),
    onStream: (stream) => streams.accept(stream),
    onError: (error) => ctx.logger.debug({ err: error, pod: target.pod }, "port-forward protocol error"),
  });
  const closer = () => socket.destroy();
  ctx.openStreams.add(closer);
  socket.on("data", (chunk: Buffer) => session.receive(chunk));
  socket.on("close", () => {
    ctx.openStreams.delete(closer);
    session.connectionClosed();
    streams.close();
  });
  if (head.length > 0) session.receive(head);
}

function headerList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value.join(",") : (value ?? ""))
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}
