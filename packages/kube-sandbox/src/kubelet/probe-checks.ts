import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { ProbeCheck } from "./prober.js";
import type { ContainerPort, HttpGetAction } from "./pod-spec.js";

/** A probe's port: a number, or the name of one of the container's ports. */
function resolveProbePort(port: number | string, ports: readonly ContainerPort[] | undefined): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * `httpGet`: success is a status from 200 to 399. HTTPS certificates are not verified, as the kubelet
 * does not verify them either. The host defaults to the Pod's IP.
 */
export function httpGetCheck(
  action: HttpGetAction,
  podIP: string,
  ports: readonly ContainerPort[] | undefined,
): ProbeCheck {
  return (timeoutMs) =>
    new Promise<boolean>((resolve) => {
      const port = resolveProbePort(action.port, ports);
      if (port === undefined) return resolve(false);
      const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
      for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
      const https = action.scheme === "HTTPS";
      const path = action.path ? (action.path.startsWith("/") ? action.path : `/${action.path}`) : "/";
      const options = { host: action.host || podIP, port, path, method: "GET", headers, timeout: timeoutMs };
      const req = https ? httpsRequest({ ...options, rejectUnauthorized: false }) : httpRequest(options);
      const timer = setTimeout(() => req.destroy(new Error("probe timed out")), timeoutMs);
      req.on("response", (res) => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        res.resume();
        resolve(status >= 200 && status < 400);
      });
      req.on("timeout", () => req.destroy(new Error("probe timed out")));
      req.on("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
      req.end();
    });
}

/** `tcpSocket`: success is an accepted connection. */
export function tcpSocketCheck(
  port: number | string,
  host: string | undefined,
  podIP: string,
  ports: readonly ContainerPort[] | undefined,
): ProbeCheck {
  return (timeoutMs) =>
    new Promise<boolean>((resolve) => {
      const resolved = resolveProbePort(port, ports);
      if (resolved === undefined) return resolve(false);
      const socket = connect({ host: host || podIP, port: resolved });
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
}
