import { describe, expect, it } from "vitest";
import { credentialsAccepted, parseAuthorization, secretsEqual } from "../../src/intake/credentials.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("secretsEqual", () => {
  it("compares secrets of any lengths", () => {
    expect(secretsEqual("token", "token")).toBe(true);
    expect(secretsEqual("token", "tokem")).toBe(false);
    expect(secretsEqual("tok", "token")).toBe(false);
    expect(secretsEqual("", "token")).toBe(false);
    expect(secretsEqual("ünïcode", "ünïcode")).toBe(true);
  });
});

describe("parseAuthorization", () => {
  it("reads Bearer and Basic in any letter case", () => {
    expect(parseAuthorization("Bearer abc")).toEqual({ scheme: "bearer", credentials: "abc" });
    expect(parseAuthorization("bearer   abc ")).toEqual({ scheme: "bearer", credentials: "abc" });
    expect(parseAuthorization("BASIC eDp5")).toEqual({ scheme: "basic", credentials: "eDp5" });
  });

  it("rejects other forms", () => {
    for (const header of [undefined, "", "Bearer", "Bearer a b", "Token abc", "abc"]) {
      expect(parseAuthorization(header)).toBeUndefined();
    }
  });
});

describe("credentialsAccepted", () => {
  const both = { token: "t0ken", basic: { username: "am", password: "pw:with:colons" }, insecureNoAuth: false };

  it("accepts the token and the basic pair", () => {
    expect(credentialsAccepted(both, "Bearer t0ken")).toBe(true);
    expect(credentialsAccepted(both, basic("am", "pw:with:colons"))).toBe(true);
  });

  it("rejects a wrong token, user or password, and a missing header", () => {
    expect(credentialsAccepted(both, "Bearer t0ke")).toBe(false);
    expect(credentialsAccepted(both, basic("AM", "pw:with:colons"))).toBe(false);
    expect(credentialsAccepted(both, basic("am", "pw"))).toBe(false);
    expect(credentialsAccepted(both, "Basic bm9jb2xvbg==")).toBe(false);
    expect(credentialsAccepted(both, undefined)).toBe(false);
  });

  it("does not accept the token as a basic password or basic when only a token is set", () => {
    expect(credentialsAccepted({ token: "t0ken", insecureNoAuth: false }, basic("x", "t0ken"))).toBe(false);
    expect(credentialsAccepted({ basic: { username: "am", password: "pw" }, insecureNoAuth: false }, "Bearer pw")).toBe(false);
  });

  it("lets everything through only when no credentials are set and insecureNoAuth is on", () => {
    expect(credentialsAccepted({ insecureNoAuth: true }, undefined)).toBe(true);
    expect(credentialsAccepted({ insecureNoAuth: false }, "Bearer anything")).toBe(false);
    // Credentials, once set, are required even with insecureNoAuth.
    expect(credentialsAccepted({ token: "t", insecureNoAuth: true }, undefined)).toBe(false);
  });
});
