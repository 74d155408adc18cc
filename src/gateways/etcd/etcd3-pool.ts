import type { Etcd3, ICallable } from "etcd3";

/**
 * The connection pool inside an etcd3 client. etcd3 1.1.2 gets two maintenance calls wrong: `hashKV()` asks
 * gRPC for a method named `hashKV` (the generated client calls it `hashKv`), and `snapshot()` sends the auth
 * token as the request body. The pool runs the calls correctly with the client's connection and credentials.
 */
export function connectionPool(client: Etcd3): ICallable<unknown> {
  return (client as unknown as { pool: ICallable<unknown> }).pool;
}
