import type { Answer, Question, SoaAnswer } from "dns-packet";
import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { isPodReady } from "../controllers/pod-readiness.js";
import type { Pod } from "../controllers/workload-types.js";

/** What the cluster DNS answers to one question: a response code and the records. */
export interface ClusterAnswer {
  /**
   * `NOERROR` with answers, or with none for a name that exists without records of the type asked;
   * `NXDOMAIN` for a name of the zone that does not exist; `REFUSED` for a name outside the zone, which
   * is never forwarded anywhere.
   */
  rcode: "NOERROR" | "NXDOMAIN" | "REFUSED";
  answers: Answer[];
  /** The zone's SOA with a negative answer, so resolvers cache it for the zone's minimum TTL. */
  authority: SoaAnswer[];
}

/** How the cluster's names are made. */
export interface ZoneOptions {
  /** The cluster domain; default `cluster.local`. */
  zone?: string;
  /** TTL of every record, in seconds; default 5, so a re-created Pod is found again quickly. */
  ttlSeconds?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: { name?: string; port?: number; protocol?: string }[];
  externalName?: string;
  publishNotReadyAddresses?: boolean;
}

type Service = KubeObject & { spec?: ServiceSpec };

/** One address behind a Service: a selected Pod, with the name it has under the Service if any. */
interface Endpoint {
  ip: string;
  /** `spec.hostname` of a Pod whose `spec.subdomain` is the Service's name. */
  hostname?: string;
}

/**
 * Answers `question` from the objects in `store`, as the Kubernetes DNS specification says:
 * `SVC.NS.svc.ZONE` is a Service (its cluster IP, or for a headless Service the addresses of its ready
 * Pods; a CNAME for an ExternalName Service); `HOST.SVC.NS.svc.ZONE` is a Pod whose `hostname` is HOST and
 * `subdomain` SVC, selected by the headless Service SVC (a StatefulSet's Pods are named this way);
 * `_PORT._PROTO.SVC.NS.svc.ZONE` is an SRV record for a named port.
 */
export function answerFromCluster(store: ObjectStore, question: Question, options: ZoneOptions = {}): ClusterAnswer {
  const zone = (options.zone ?? "cluster.local").toLowerCase();
  const ttl = options.ttlSeconds ?? 5;
  const name = question.name.toLowerCase().replace(/\.$/, "");
  if (name !== zone && !name.endsWith(`.${zone}`)) return { rcode: "REFUSED", answers: [], authority: [] };

  const negative = (rcode: "NOERROR" | "NXDOMAIN"): ClusterAnswer => ({
    rcode,
    answers: [],
    authority: [soa(zone, ttl)],
  });
  const labels = name === zone ? [] : name.slice(0, -(zone.length + 1)).split(".");
  if (labels.length === 0) {
    return question.type === "SOA"
      ? { rcode: "NOERROR", answers: [soa(zone, ttl)], authority: [] }
      : negative("NOERROR");
  }
  // Names with no records of their own below which others exist: `svc.ZONE`, `NS.svc.ZONE`.
  if (labels.at(-1) !== "svc") return negative("NXDOMAIN");
  if (labels.length === 1) return negative("NOERROR");
  const namespace = labels.at(-2)!;
  if (labels.length === 2) {
    return store.list("namespaces").some((ns) => ns.metadata.name === namespace)
      ? negative("NOERROR")
      : negative("NXDOMAIN");
  }

  const service: Service | undefined = store.get("services", namespace, labels.at(-3)!);
  if (!service) return negative("NXDOMAIN");
  const serviceName = `${service.metadata.name}.${namespace}.svc.${zone}`;
  const records = (type: string, data: Answer[]): ClusterAnswer =>
    // ANY (255) is not in the library's type list, but arrives on the wire.
    question.type === type || ((question.type as string) === "ANY" && data.length > 0)
      ? { rcode: "NOERROR", answers: data, authority: [] }
      : negative("NOERROR");

  if (labels.length === 3) {
    const spec = service.spec ?? {};
    if (spec.type === "ExternalName" && spec.externalName) {
      const target = spec.externalName.replace(/\.$/, "");
      return { rcode: "NOERROR", answers: [{ type: "CNAME", name: serviceName, ttl, data: target }], authority: [] };
    }
    const ips = isHeadless(service) ? endpointsOf(store, service).map((e) => e.ip) : [spec.clusterIP ?? ""];
    return records(
      "A",
      ips.filter((ip) => ip !== "").map((ip) => ({ type: "A", name: serviceName, ttl, data: ip })),
    );
  }
  if (labels.length === 4 && !labels[0]!.startsWith("_")) {
    if (!isHeadless(service)) return negative("NXDOMAIN");
    const endpoint = endpointsOf(store, service).find((e) => e.hostname?.toLowerCase() === labels[0]);
    if (!endpoint) return negative("NXDOMAIN");
    return records("A", [{ type: "A", name: `${labels[0]}.${serviceName}`, ttl, data: endpoint.ip }]);
  }
  if (labels.length === 5 && labels[0]!.startsWith("_") && labels[1]!.startsWith("_")) {
    const portName = labels[0]!.slice(1);
    const protocol = labels[1]!.slice(1);
    const port = (service.spec?.ports ?? []).find(
      (p) => p.name?.toLowerCase() === portName && (p.protocol ?? "TCP").toLowerCase() === protocol,
    );
    if (!port?.port) return negative("NXDOMAIN");
    const targets = isHeadless(service)
      ? endpointsOf(store, service).map((e) => (e.hostname ? `${e.hostname}.${serviceName}` : serviceName))
      : [serviceName];
    return records(
      "SRV",
      [...new Set(targets)].map((target) => ({
        type: "SRV",
        name,
        ttl,
        data: { priority: 0, weight: 100, port: port.port!, target },
      })),
    );
  }
  return negative("NXDOMAIN");
}

/** A Service with no cluster IP of its own: its name stands for its Pods' addresses. */
function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === "None";
}

/** The addresses of the Pods a Service selects: the ready ones, or all with `publishNotReadyAddresses`. */
function endpointsOf(store: ObjectStore, service: Service): Endpoint[] {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const everyone = service.spec?.publishNotReadyAddresses === true;
  return (store.list("pods", service.metadata.namespace) as Pod[])
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .filter((pod) => Object.entries(selector).every(([key, value]) => pod.metadata.labels?.[key] === value))
    .filter((pod) => everyone || isPodReady(pod))
    .flatMap((pod): Endpoint[] => {
      const ip = pod.status?.podIP;
      if (typeof ip !== "string" || ip === "") return [];
      const spec = pod.spec as { hostname?: string; subdomain?: string } | undefined;
      const named = spec?.subdomain === service.metadata.name && spec.hostname;
      return [named ? { ip, hostname: spec.hostname } : { ip }];
    });
}

/** The zone's start of authority, with the TTL as the negative-caching minimum. */
function soa(zone: string, ttl: number): SoaAnswer {
  return {
    type: "SOA",
    name: zone,
    ttl,
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}
