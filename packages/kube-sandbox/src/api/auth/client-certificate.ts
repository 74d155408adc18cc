import type { TLSSocket } from "node:tls";
import { AUTHENTICATED_GROUP, type UserInfo } from "./user-info.js";

/** What a TLS connection says of the certificate its client presented. */
export type ClientCertificate = { kind: "none" } | { kind: "invalid"; why: string } | { kind: "valid"; user: UserInfo };

/**
 * The user a client certificate authenticates, as kube-apiserver's x509 authenticator reads it: the
 * certificate must chain to the server's client CA (the TLS layer checked that; `socket.authorized`), its
 * subject's CN is the user name and each O a group.
 */
export function clientCertificateUser(socket: TLSSocket): ClientCertificate {
  // A connection's client certificate is fixed once its handshake is done: read it once, not at every request.
  let known = readConnections.get(socket);
  if (!known) {
    known = readClientCertificate(socket);
    readConnections.set(socket, known);
  }
  return known;
}

/** What each kept-alive connection's certificate said. */
const readConnections = new WeakMap<TLSSocket, ClientCertificate>();

function readClientCertificate(socket: TLSSocket): ClientCertificate {
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return { kind: "none" };
  if (!socket.authorized) return { kind: "invalid", why: String(socket.authorizationError ?? "not verified") };
  const subject = certificate.subject as unknown as Record<string, string | string[] | undefined>;
  const commonName = subject.CN;
  const username = Array.isArray(commonName) ? commonName[0] : commonName;
  if (!username) return { kind: "invalid", why: "the certificate's subject has no common name" };
  const organizations = subject.O;
  const groups = organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations];
  return { kind: "valid", user: { username, groups: [...groups, AUTHENTICATED_GROUP] } };
}
