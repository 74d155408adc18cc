import { describe, expect, it } from "vitest";
import { AuthSettingsError } from "../../src/core/errors.js";
import {
  MISSING_CREDENTIALS_MESSAGE,
  readAuthSettings,
  credentialsCheck,
  parseAuthorization,
} from "../../src/intake/auth.js";

/** A file reader over an in-memory map; unknown paths fail like a missing file. */
function files(contents: Record<string, string>) {
  return (path: string) => {
    const text = contents[path];
    if (text === undefined)
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
    return text;
  };
}

describe("readAuthSettings", () => {
  it("reads the token from AUTH_TOKEN", () => {
    expect(readAuthSettings({ AUTH_TOKEN: "abc" }, { insecureNoAuth: false })).toEqual({
      token: "abc",
      insecureNoAuth: false,
    });
  });

  it("reads the token from the file AUTH_TOKEN_FILE names, trimmed", () => {
    const settings = readAuthSettings(
      { AUTH_TOKEN_FILE: "/secrets/token" },
      { insecureNoAuth: false, readFile: files({ "/secrets/token": "  s3cret-token\n" }) },
    );
    expect(settings.token).toBe("s3cret-token");
  });

  it("names the variable and the file when the token file cannot be read", () => {
    const read = () =>
      readAuthSettings({ AUTH_TOKEN_FILE: "/secrets/missing" }, { insecureNoAuth: false, readFile: files({}) });
    expect(read).toThrow(AuthSettingsError);
    expect(read).toThrow('cannot read AUTH_TOKEN_FILE "/secrets/missing": no such file');
  });

  it("refuses an empty token file", () => {
    expect(() =>
      readAuthSettings({ AUTH_TOKEN_FILE: "/t" }, { insecureNoAuth: false, readFile: files({ "/t": "\n" }) }),
    ).toThrow('AUTH_TOKEN_FILE "/t" is empty');
  });

  it("refuses to start without credentials unless told to", () => {
    expect(() => readAuthSettings({}, { insecureNoAuth: false })).toThrow(MISSING_CREDENTIALS_MESSAGE);
    expect(MISSING_CREDENTIALS_MESSAGE).toBe(
      "refusing to start without credentials: set AUTH_TOKEN or AUTH_TOKEN_FILE (or pass --insecure-no-auth)",
    );
    // An empty variable (an empty Secret key) is no credential.
    expect(() => readAuthSettings({ AUTH_TOKEN: "" }, { insecureNoAuth: false })).toThrow(MISSING_CREDENTIALS_MESSAGE);
    expect(readAuthSettings({}, { insecureNoAuth: true })).toEqual({ insecureNoAuth: true });
  });

  it("trims AUTH_TOKEN and AUTH_BASIC_PASSWORD as it trims their files", () => {
    const settings = readAuthSettings(
      { AUTH_TOKEN: " abc\n", AUTH_BASIC_USERNAME: "alertmanager", AUTH_BASIC_PASSWORD: "\tpw " },
      { insecureNoAuth: false },
    );
    expect(settings).toEqual({
      token: "abc",
      basic: { username: "alertmanager", password: "pw" },
      insecureNoAuth: false,
    });
  });

  it("refuses a blank AUTH_TOKEN or AUTH_BASIC_PASSWORD, and a token with white space inside", () => {
    const read = (env: NodeJS.ProcessEnv) => () => readAuthSettings(env, { insecureNoAuth: true });
    expect(read({ AUTH_TOKEN: " " })).toThrow("AUTH_TOKEN is blank: it holds only white space");
    expect(read({ AUTH_TOKEN: "\n\t" })).toThrow(AuthSettingsError);
    expect(read({ AUTH_BASIC_USERNAME: "u", AUTH_BASIC_PASSWORD: "  " })).toThrow(
      "AUTH_BASIC_PASSWORD is blank: it holds only white space",
    );
    expect(read({ AUTH_TOKEN: "abc def" })).toThrow(
      "AUTH_TOKEN must not contain white space: an Authorization: Bearer header cannot carry it",
    );
  });

  it("refuses both AUTH_TOKEN and AUTH_TOKEN_FILE", () => {
    expect(() => readAuthSettings({ AUTH_TOKEN: "a", AUTH_TOKEN_FILE: "/t" }, { insecureNoAuth: false })).toThrow(
      "set AUTH_TOKEN or AUTH_TOKEN_FILE, not both",
    );
  });

  it("reads basic auth with the password inline or from a file", () => {
    expect(
      readAuthSettings({ AUTH_BASIC_USERNAME: "am", AUTH_BASIC_PASSWORD: "pw" }, { insecureNoAuth: false }),
    ).toEqual({
      basic: { username: "am", password: "pw" },
      insecureNoAuth: false,
    });
    const fromFile = readAuthSettings(
      { AUTH_TOKEN: "t", AUTH_BASIC_USERNAME: "am", AUTH_BASIC_PASSWORD_FILE: "/pw" },
      { insecureNoAuth: false, readFile: files({ "/pw": "from-file\n" }) },
    );
    expect(fromFile).toEqual({ token: "t", basic: { username: "am", password: "from-file" }, insecureNoAuth: false });
  });

  it("refuses half of a basic auth pair and a colon in the user name", () => {
    expect(() => readAuthSettings({ AUTH_TOKEN: "t", AUTH_BASIC_USERNAME: "am" }, { insecureNoAuth: false })).toThrow(
      /AUTH_BASIC_PASSWORD is not set/,
    );
    expect(() => readAuthSettings({ AUTH_TOKEN: "t", AUTH_BASIC_PASSWORD: "pw" }, { insecureNoAuth: false })).toThrow(
      /AUTH_BASIC_USERNAME is not set/,
    );
    expect(() =>
      readAuthSettings({ AUTH_BASIC_USERNAME: "a:b", AUTH_BASIC_PASSWORD: "pw" }, { insecureNoAuth: false }),
    ).toThrow("AUTH_BASIC_USERNAME must not contain ':'");
  });

  it("gives errors that are not retryable and name the variable", () => {
    try {
      readAuthSettings({}, { insecureNoAuth: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthSettingsError);
      expect((error as AuthSettingsError).retryable).toBe(false);
      expect((error as AuthSettingsError).variable).toBe("AUTH_TOKEN");
      expect((error as Error).name).toBe("AuthSettingsError");
    }
  });
});

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
