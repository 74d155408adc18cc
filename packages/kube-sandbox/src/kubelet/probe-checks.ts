import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { ProbeCheck, ProbeOutcome } from "./prober.js";
import type { ContainerPort, HttpGetAction } from "./pod-spec.js";

const SUCCESS: ProbeOutcome = { ok: true, output: "" };

/** A probe's port: a number, or the name of one of the container's ports. */
function resolveProbePort(port: number | string, ports: readonly ContainerPort[] | undefined): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports?.find((p) => p.name === port)?.containerPort;
}

/** A socket error the way Go's net package words it (`connect: connection refused`). */
function dialError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connect: connection refused";
  if (code === "ECONNRESET") return "read: connection reset by peer";
  if (code === "EHOSTUNREACH") return "connect: no route to host";
  return error instanceof Error ? error.message : String(error);
}

/** `host:port`, with brackets around an IPv6 address. */
function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
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
    new Promise<ProbeOutcome>((resolve) => {
      const port = resolveProbePort(action.port, ports);
      if (port === undefined) return resolve({ ok: false, output: `unknown port ${JSON.stringify(action.port)}` });
      const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
      for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
      const https = action.scheme === "HTTPS";
      const path = action.path ? (action.path.startsWith("/") ? action.path : `/${action.path}`) : "/";
      const host = action.host || podIP;
      const url = `${https ? "https" : "http"}://${hostPort(host, port)}${path}`;
      let timedOut = false;
      const options = { host, port, path, method: "GET", headers, timeout: timeoutMs };
      const req = https ? httpsRequest({ ...options, rejectUnauthorized: false }) : httpRequest(options);
      const giveUp = () => {
        timedOut = true;
        req.destroy(new Error("probe timed out"));
      };
      const timer = setTimeout(giveUp, timeoutMs);
      req.on("response", (res) => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        res.resume();
        if (status >= 200 && status < 400) resolve(SUCCESS);
        else resolve({ ok: false, output: `HTTP probe failed with statuscode: ${status}` });
      });
      req.on("timeout", giveUp);
      req.on("error", (error) => {
        clearTimeout(timer);
        const why = timedOut
          ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
          : `dial tcp ${hostPort(host, port)}: ${dialError(error)}`;
        resolve({ ok: false, output: `Get ${JSON.stringify(url)}: ${why}` });
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
    new Promise<ProbeOutcome>((resolve) => {
      const resolved = resolveProbePort(port, ports);
      if (resolved === undefined) return resolve({ ok: false, output: `unknown port ${JSON.stringify(port)}` });
      const address = hostPort(host || podIP, resolved);
      const socket = connect({ host: host || podIP, port: resolved });
      const done = (outcome: ProbeOutcome) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => done({ ok: false, output: `dial tcp ${address}: i/o timeout` }), timeoutMs);
      socket.once("connect", () => done(SUCCESS));
      socket.once("error", (error) => done({ ok: false, output: `dial tcp ${address}: ${dialError(error)}` }));
    });
}
