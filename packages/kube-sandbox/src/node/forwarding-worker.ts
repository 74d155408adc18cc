// The Service proxy's forwarding thread (a `node:worker_threads` Worker that `ForwardingThread` starts): it
// owns every listener on a cluster IP and every forwarded connection, so that forwarding goes on while the
// sandbox's main thread is busy. It answers each request of the proxy, and reports socket events to it.
import { parentPort, workerData } from "node:worker_threads";
import type {
  ForwarderEvent,
  ForwardingReply,
  ForwardingRequest,
  ForwardingWorkerData,
} from "./forwarding-messages.js";
import { ForwardingTable } from "./forwarding-table.js";

if (!parentPort) throw new Error("forwarding-worker runs only as a worker thread of the Service proxy");
const proxy = parentPort;
const { reportBackendFailures } = workerData as ForwardingWorkerData;

const post = (reply: ForwardingReply): void => proxy.postMessage(reply);

const table = new ForwardingTable((event: ForwarderEvent) => {
  if (event.kind !== "backend-failed" || reportBackendFailures) post({ kind: "event", event });
});

async function answer(request: ForwardingRequest): Promise<void> {
  if (request.kind === "serve") {
    post({ kind: "served", id: request.id, ports: await table.serve(request.service, request.ip, request.ports) });
  } else {
    await table.unserve(request.service);
    post({ kind: "unserved", id: request.id });
  }
}

proxy.on("message", (request: ForwardingRequest) => void answer(request));
post({ kind: "ready" });
