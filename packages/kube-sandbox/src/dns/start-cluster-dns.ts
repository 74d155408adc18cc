import type { ObjectStore } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import { startDnsServer, type DnsServer } from "./dns-server.js";

/** The port resolvers ask by default; only root may listen on it. */
const DNS_PORT = 53;

/**
 * Starts the sandbox's cluster DNS on `host`, on port 53 where the process may listen there (root, and the
 * port free on that address), and on a free port otherwise, which it logs.
 */
export async function startClusterDns(store: ObjectStore, host: string, logger: Logger): Promise<DnsServer> {
  try {
    return await startDnsServer({ store, host, port: DNS_PORT, logger });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "EACCES" && code !== "EADDRINUSE") throw error;
    logger.warn({ host, code }, "cannot listen on port 53: the cluster DNS listens on a free port instead");
    return startDnsServer({ store, host, port: 0, logger });
  }
}
