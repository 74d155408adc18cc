import { request } from "node:https";
import type { RequestOptions } from "node:https";
import { FAULTS_PATH, type FaultReport, type FaultSpec, type FaultState } from "kube-sandbox";
import { kubeConfigFrom } from "./pod-watch.js";

/** The fault switch of a sandbox's API server, as its admin uses it (see the sandbox's README, Fault switch). */
export interface ApiFaults {
  /** Turns a fault on; resolves with its state. */
  turnOn(fault: FaultSpec): Promise<FaultState>;
  /** Every fault since the switch was last turned off, with what each did. */
  report(): Promise<FaultReport>;
  /** Turns every fault off; resolves with what they did. */
  clear(): Promise<FaultReport>;
}

/** The fault switch of the API server the kubeconfig names, with the kubeconfig's admin certificate. */
export function apiFaults(kubeconfig: string): ApiFaults {
  const kc = kubeConfigFrom(kubeconfig);
  const server = kc.getCurrentCluster()!.server;
  const send = async <T>(method: string, body?: FaultSpec): Promise<T> => {
    const options: RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        new URL(FAULTS_PATH, server),
        {
          ...options,
          method,
          headers: { ...options.headers, "Content-Type": "application/json" },
          timeout: 10_000,
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("error", reject);
          res.on("end", () => {
            if (res.statusCode !== 200 && res.statusCode !== 201) {
              reject(new Error(`${method} ${FAULTS_PATH} answered ${res.statusCode}: ${text}`));
            } else {
              resolve(JSON.parse(text) as T);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${FAULTS_PATH} got no answer within 10 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  };
  return {
    turnOn: (fault) => send<FaultState>("POST", fault),
    report: () => send<FaultReport>("GET"),
    clear: () => send<FaultReport>("DELETE"),
  };
}
