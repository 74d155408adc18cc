import { Etcd3, type IOptions } from "etcd3";

/** The call options of a login, as etcd3's connection pool passes them on. */
type LoginCallOptions = Parameters<Etcd3["auth"]["authenticate"]>[1];

/** The part of etcd3's connection pool that fetches a login token; `address` is a host without its scheme. */
interface TokenFetcher {
  getCredentialsFromHost(
    address: string,
    name: string,
    password: string,
    callOptions: LoginCallOptions,
  ): Promise<string>;
}

/**
 * A new etcd3 client whose logins go over channels made with the client's own settings.
 *
 * etcd3 fetches a login token (`Authenticate`) over a gRPC channel of its own making, without the client's
 * `grpcOptions`, and never closes it. So every login leaves a channel open, and those channels share gRPC's
 * process-wide connections: once one login tried a member that was down, every later client that logs in to
 * that member waits out the same reconnect back-off (up to 2 minutes, growing while the member is down) and
 * fails at once with "UNAVAILABLE: No connection established", although the member answers again.
 *
 * Here each host of an authenticating client gets one client without a login (the same hosts, TLS and
 * channel settings), which fetches the tokens and is closed with it. Without `auth` this is `new Etcd3`.
 */
export function createEtcdClient(options: IOptions): Etcd3 {
  const client = new Etcd3(options);
  if (!options.auth) return client;
  const { auth: _login, ...anonymous } = options;
  const hosts = typeof options.hosts === "string" ? [options.hosts] : (options.hosts ?? []);
  const tokenClients = new Map<string, Etcd3>();
  const tokenClientFor = (address: string): Etcd3 => {
    let tokens = tokenClients.get(address);
    if (!tokens) {
      const host = hosts.find((h) => withoutScheme(h) === address) ?? address;
      tokens = new Etcd3({ ...anonymous, hosts: [host] });
      tokenClients.set(address, tokens);
    }
    return tokens;
  };
  tokenFetcherOf(client).getCredentialsFromHost = async (address, name, password, callOptions) =>
    (await tokenClientFor(address).auth.authenticate({ name, password }, callOptions)).token;
  const close = client.close.bind(client);
  client.close = () => {
    close();
    for (const tokens of tokenClients.values()) tokens.close();
    tokenClients.clear();
  };
  return client;
}

function withoutScheme(host: string): string {
  return host.replace(/^https?:\/\//, "");
}

/** etcd3's token fetcher inside `client`; throws if an etcd3 release moved it, so such an upgrade fails its tests. */
function tokenFetcherOf(client: Etcd3): TokenFetcher {
  const fetcher = (client as unknown as { pool?: { authenticator?: Partial<TokenFetcher> } }).pool?.authenticator;
  if (typeof fetcher?.getCredentialsFromHost !== "function") {
    throw new Error("this etcd3 release keeps no token fetcher at client.pool.authenticator; check the etcd3 version");
  }
  return fetcher as TokenFetcher;
}
