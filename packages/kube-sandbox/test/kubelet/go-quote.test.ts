import { describe, expect, it } from "vitest";
import { goQuote } from "../../src/kubelet/go-quote.js";

describe("goQuote", () => {
  it("quotes as Go's %q: printable characters as they are, others escaped", () => {
    expect(goQuote("plain text")).toBe('"plain text"');
    expect(goQuote('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(goQuote("\u0007\b\f\n\r\t\u000b")).toBe('"\\a\\b\\f\\n\\r\\t\\v"');
    expect(goQuote("\u0000\u001f\u007f")).toBe('"\\x00\\x1f\\x7f"');
    expect(goQuote("é☃日本🙂")).toBe('"é☃日本🙂"');
    expect(goQuote("\u00a0\u200b\u2028\u{e0001}")).toBe('"\\u00a0\\u200b\\u2028\\U000e0001"');
    expect(goQuote("x\ud800y")).toBe('"x\ufffdy"');
  });
});
