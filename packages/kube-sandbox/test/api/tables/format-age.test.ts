import { describe, expect, it } from "vitest";
import { ageOf, humanDuration } from "../../../src/api/tables/format-age.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration", () => {
  it.each([
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [3 * m + 2 * s, "3m2s"],
    [46 * m, "46m"],
    [179 * m, "179m"],
    [3 * h + 20 * m, "3h20m"],
    [7 * h, "7h"],
    [30 * h, "30h"],
    [2 * d, "2d"],
    [3 * d + 4 * h, "3d4h"],
    [30 * d, "30d"],
    [800 * d, "2y70d"],
    [3000 * d, "8y"],
    [-500, "0s"],
    [-5 * s, "<invalid>"],
  ])("%d ms reads %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it("measures a timestamp's age and tolerates a missing one", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(ageOf("2024-05-01T11:59:55Z", now)).toBe("5s");
    expect(ageOf(undefined, now)).toBe("<unknown>");
    expect(ageOf("yesterday", now)).toBe("<unknown>");
  });
});
