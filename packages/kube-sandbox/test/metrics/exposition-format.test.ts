import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeLabelValue, renderFamilies } from "../../src/metrics/exposition-format.js";
import { ExpositionParseError, parseExposition } from "../../src/metrics/parse-exposition.js";

describe("renderFamilies", () => {
  it("writes HELP, TYPE and samples, and keeps empty families", () => {
    const text = renderFamilies([
      { name: "a_total", help: "Counts a.", type: "counter", samples: [{ labels: { x: "1" }, value: 3 }] },
      { name: "b", help: "Nothing yet.", type: "gauge", samples: [] },
    ]);
    expect(text).toBe(
      '# HELP a_total Counts a.\n# TYPE a_total counter\na_total{x="1"} 3\n# HELP b Nothing yet.\n# TYPE b gauge\n',
    );
  });

  it("escapes backslash, quote and newline in label values, and backslash and newline in HELP", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = renderFamilies([{ name: "m", help: "two\nlines \\ here", type: "gauge", samples: [] }]);
    expect(text.split("\n")[0]).toBe("# HELP m two\\nlines \\\\ here");
  });

  it("round-trips any label value and number through the parser", () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.integer(), fc.double({ noNaN: true })), (value, number) => {
        const text = renderFamilies([
          { name: "m", help: "h", type: "gauge", samples: [{ labels: { v: value }, value: number }] },
        ]);
        const [family] = parseExposition(text);
        expect(family?.samples[0]?.labels.v).toBe(value);
        expect(family?.samples[0]?.value).toBe(number === 0 ? 0 : number);
      }),
    );
  });
});

describe("parseExposition", () => {
  it("rejects a sample with a broken label", () => {
    expect(() => parseExposition('m{a="x} 1\n')).toThrow(ExpositionParseError);
    expect(() => parseExposition("m{a=x} 1\n")).toThrow(/line 1: bad label/);
  });
});
