import type { SliceContent, SliceEndpoint } from "./endpoint-slices.js";
import { podPorts } from "./endpoint-subsets.js";
import { isPodReady } from "./pod-readiness.js";
import { hostnameUnder, podReference, type Service } from "./service-pods.js";
import type { Pod } from "./workload-types.js";

/**
 * The contents of a Service's EndpointSlices, one per distinct set of Pod ports, as the endpointslice
 * controller fills them: every Pod given, also one being deleted (`terminating`, and not `ready` unless
 * the Service publishes not-ready addresses; `serving` is its Ready condition). Without Pods, one empty
 * slice, as Kubernetes keeps a placeholder. The sandbox's Pods have IPv4 addresses only.
 */
export function sliceContents(service: Service, pods: Pod[]): SliceContent[] {
  const groups = new Map<string, SliceContent>();
  for (const pod of pods) {
    const ports = podPorts(service, pod);
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { addressType: "IPv4", ports, endpoints: [] };
    groups.set(key, group);
    group.endpoints.push(sliceEndpoint(service, pod));
  }
  if (groups.size === 0) return [{ addressType: "IPv4", ports: [], endpoints: [] }];
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, content]) => content);
}

function sliceEndpoint(service: Service, pod: Pod): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const hostname = hostnameUnder(pod, service);
  const nodeName = pod.spec?.nodeName;
  return {
    addresses: [pod.status?.podIP ?? ""],
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    targetRef: podReference(pod),
    ...(nodeName ? { nodeName } : {}),
  };
}
