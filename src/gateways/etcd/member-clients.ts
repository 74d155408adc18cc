import { Etcd3, type IOptions } from "etcd3";
import { failFastPolicy } from "./fail-fast-policy.js";
import type { EtcdConnection } from "./types.js";

/** gRPC channel settings that make a dead member fail fast and a returning member usable at once. */
const CHANNEL_OPTIONS = {
  // Own subchannels per client: the process-wide pool would carry a dead member's reconnect backoff over.
  "grpc.use_local_subchannel_pool": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1000,
  // Notices a silently dead connection (a member host gone) without waiting for TCP.
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 3_000,
} as const;

/** One etcd3 client per member (hosts = only that member), created on first use and kept until closed. */
export class MemberClients {
  private readonly clients = new Map<string, Etcd3>();
  private closed = false;

  constructor(
    private readonly connection: EtcdConnection,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The client that talks to `clientURL` only. */
  get(clientURL: string): Etcd3 {
    if (this.closed) throw new Error(`the etcd gateway is closed; cannot call ${clientURL}`);
    let client = this.clients.get(clientURL);
    if (!client) {
      client = new Etcd3(this.optionsFor(clientURL));
      this.clients.set(clientURL, client);
    }
    return client;
  }

  /** Closes every client; later calls to `get` throw. */
  closeAll(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private optionsFor(clientURL: string): IOptions {
    const { tls, auth } = this.connection;
    const timeoutMs = this.requestTimeoutMs;
    return {
      hosts: [clientURL],
      ...(tls
        ? {
            credentials: {
              rootCertificate: Buffer.from(tls.ca),
              ...(tls.key !== undefined ? { privateKey: Buffer.from(tls.key) } : {}),
              ...(tls.cert !== undefined ? { certChain: Buffer.from(tls.cert) } : {}),
            },
          }
        : {}),
      ...(auth ? { auth: { username: auth.username, password: auth.password } } : {}),
      grpcOptions: { ...CHANNEL_OPTIONS },
      // Every unary call gets a deadline; streams (snapshot) set their own.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      faultHandling: { host: () => failFastPolicy, global: failFastPolicy },
    };
  }
}
