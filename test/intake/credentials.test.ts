import { describe, expect, it } from "vitest";
import { credentialsCheck, parseAuthorization } from "../../src/intake/auth.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("token comparison", () => {
  it("compares tokens of any lengths", () => {
    const check = credentialsCheck({ token: "token", insecureNoAuth: false });
    expect(check("Bearer token")).toBe(true);
    expect(check("Bearer tokem")).toBe(false);
    expect(check("Bearer tok")).toBe(false);
    expect(check("Bearer tokentoken")).toBe(false);
    expect(credentialsCheck({ token: "ünïcode", insecureNoAuth: false })("Bearer ünïcode")).toBe(true);
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

describe("credentialsCheck", () => {
  const both = { token: "t0ken", basic: { username: "am", password: "pw:with:colons" }, insecureNoAuth: false };

  it("accepts the token and the basic pair", () => {
    expect(credentialsCheck(both)("Bearer t0ken")).toBe(true);
    expect(credentialsCheck(both)(basic("am", "pw:with:colons"))).toBe(true);
  });

  it("rejects a wrong token, user or password, and a missing header", () => {
    expect(credentialsCheck(both)("Bearer t0ke")).toBe(false);
    expect(credentialsCheck(both)(basic("AM", "pw:with:colons"))).toBe(false);
    expect(credentialsCheck(both)(basic("am", "pw"))).toBe(false);
    expect(credentialsCheck(both)("Basic bm9jb2xvbg==")).toBe(false);
    expect(credentialsCheck(both)(undefined)).toBe(false);
  });

  it("does not accept the token as a basic password or basic when only a token is set", () => {
    expect(credentialsCheck({ token: "t0ken", insecureNoAuth: false })(basic("x", "t0ken"))).toBe(false);
    expect(credentialsCheck({ basic: { username: "am", password: "pw" }, insecureNoAuth: false })("Bearer pw")).toBe(
      false,
    );
  });

  it("lets everything through only when no credentials are set and insecureNoAuth is on", () => {
    expect(credentialsCheck({ insecureNoAuth: true })(undefined)).toBe(true);
    expect(credentialsCheck({ insecureNoAuth: false })("Bearer anything")).toBe(false);
    // Credentials, once set, are required even with insecureNoAuth.
    expect(credentialsCheck({ token: "t", insecureNoAuth: true })(undefined)).toBe(false);
  });
});
