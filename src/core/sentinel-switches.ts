import { Redis } from "ioredis";
import type { RedisSentinelSettings } from "./redis-connection.js";

/** The Sentinels' subscriptions of one set of settings, and the clients they move. */
interface SwitchWatch {
  clients: Set<Redis>;
  subscribers: Redis[];
}

const watches = new Map<RedisSentinelSettings, SwitchWatch>();

/**
 * Moves `client` to the new master as soon as a Sentinel announces a switch (`+switch-master`). A master demoted
 * by `SENTINEL FAILOVER` goes on taking writes until a Sentinel reconfigures it as a replica, seconds later, and
 * those writes are then lost; a client that reconnects at the announcement asks the Sentinels again and writes to
 * the new master. Only a ready client is reconnected: one already reconnecting asks the Sentinels anyway (and
 * dropping it in the middle of that would end it). Copies made with `duplicate()`, as BullMQ makes its blocking
 * connections, follow too. The Sentinels are watched while any such client has not ended.
 */
export function followSentinelSwitches(settings: RedisSentinelSettings, tls: boolean, client: Redis): void {
  let watch = watches.get(settings);
  if (!watch) {
    watch = watchSwitches(settings, tls);
    watches.set(settings, watch);
  }
  const clients = watch.clients;
  clients.add(client);
  client.once("end", () => {
    clients.delete(client);
    if (clients.size === 0 && watches.get(settings) === watch) {
      watches.delete(settings);
      for (const subscriber of watch.subscribers) subscriber.disconnect();
    }
  });
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (override) => {
    const copy = duplicate(override);
    followSentinelSwitches(settings, tls, copy);
    return copy;
  };
}

/** Subscribes to `+switch-master` on every Sentinel: each announces the switch once it knows of it. */
function watchSwitches(settings: RedisSentinelSettings, tls: boolean): SwitchWatch {
  const clients = new Set<Redis>();
  const subscribers = settings.sentinels.map(({ host, port }) => {
    const subscriber = new Redis({
      host,
      port,
      ...(settings.password === undefined ? {} : { password: settings.password }),
      ...(tls ? { tls: {} } : {}),
      connectionName: "etcd-responder:sentinel-switches",
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(200 * times, 2000),
    });
    // A Sentinel that cannot be reached is one of several; the connections to the master report their own failures.
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, message: string) => {
      // "<master name> <old ip> <old port> <new ip> <new port>"
      if (message.split(" ")[0] !== settings.masterName) return;
      for (const client of clients) if (client.status === "ready") client.disconnect(true);
    });
    subscriber.subscribe("+switch-master").catch(() => undefined);
    return subscriber;
  });
  return { clients, subscribers };
}
