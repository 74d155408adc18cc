import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "./helm-chart.js";

interface ServiceMonitorSpec {
  namespaceSelector?: { matchNames?: string[] };
  selector?: { matchLabels?: Record<string, string> };
  endpoints?: { port?: string; path?: string; interval?: string; scrapeTimeout?: string; scheme?: string }[];
}

/**
 * The scrape jobs prometheus-operator makes of a ServiceMonitor, one per endpoint, with their targets found as
 * its Endpoints discovery finds them: the Services in the selected namespaces that carry every selector label,
 * then the addresses of their Endpoints on the port of the endpoint's name. Each target is labelled with
 * namespace, service, pod and endpoint, and its job is the Service's name, as the operator labels them.
 * Debian's Prometheus is built without Kubernetes discovery, so the discovery step is done here, once, through
 * the API server; only what the chart's ServiceMonitor uses is rendered (matchLabels, named ports, path,
 * interval, scrape timeout).
 */
export async function serviceMonitorScrapeConfigs(kc: KubeConfig, serviceMonitor: KubeObject): Promise<unknown[]> {
  const spec = serviceMonitor.spec as ServiceMonitorSpec;
  const namespace = serviceMonitor.metadata.namespace ?? "default";
  const labelSelector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const core = kc.makeApiClient(CoreV1Api);
  const found: {
    namespace: string;
    service: string;
    ports: { name?: string; port: number }[];
    ip: string;
    pod?: string;
  }[] = [];
  for (const ns of spec.namespaceSelector?.matchNames ?? [namespace]) {
    const services = await core.listNamespacedService({ namespace: ns, labelSelector });
    for (const service of services.items) {
      const name = service.metadata!.name!;
      const endpoints = await core.readNamespacedEndpoints({ name, namespace: ns });
      for (const subset of endpoints.subsets ?? []) {
        const ports = (subset.ports ?? []).map((port) => ({ name: port.name, port: port.port }));
        for (const address of subset.addresses ?? []) {
          found.push({ namespace: ns, service: name, ports, ip: address.ip, pod: address.targetRef?.name });
        }
      }
    }
  }
  return (spec.endpoints ?? []).map((endpoint, index) => ({
    job_name: `serviceMonitor/${namespace}/${serviceMonitor.metadata.name}/${index}`,
    scheme: endpoint.scheme ?? "http",
    metrics_path: endpoint.path ?? "/metrics",
    ...(endpoint.interval ? { scrape_interval: endpoint.interval } : {}),
    ...(endpoint.scrapeTimeout ? { scrape_timeout: endpoint.scrapeTimeout } : {}),
    static_configs: found.flatMap((target) =>
      target.ports
        .filter((port) => port.name === endpoint.port)
        .map((port) => ({
          targets: [`${target.ip}:${port.port}`],
          labels: {
            namespace: target.namespace,
            service: target.service,
            ...(target.pod ? { pod: target.pod } : {}),
            endpoint: endpoint.port ?? String(index),
            job: target.service,
          },
        })),
    ),
  }));
}
