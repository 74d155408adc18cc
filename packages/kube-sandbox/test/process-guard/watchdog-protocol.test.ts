import { describe, expect, it } from "vitest";
import {
  isGroupId,
  networkLine,
  parseNetworkLine,
  parseTrackLine,
  trackLine,
} from "../../src/process-guard/watchdog-protocol.js";

describe("watchdog protocol", () => {
  it("writes and reads track and untrack lines", () => {
    expect(trackLine(4242, true)).toBe("+4242\n");
    expect(trackLine(4242, false)).toBe("-4242\n");
    expect(parseTrackLine("+4242")).toEqual({ pgid: 4242, tracked: true });
    expect(parseTrackLine("-4242\r")).toEqual({ pgid: 4242, tracked: false });
  });

  it("ignores lines that would signal every process or the watchdog's own group", () => {
    for (const line of ["+1", "+0", "+-5", "4242", "+42x", "", "+99999999999999999999"]) {
      expect(parseTrackLine(line)).toBeUndefined();
    }
    expect([0, 1, -3, 1.5].some(isGroupId)).toBe(false);
    expect(isGroupId(2)).toBe(true);
  });

  it("writes and reads Pod network lines, and only ids that are safe in interface names", () => {
    expect(networkLine("1a2b3c", true)).toBe("+net 1a2b3c\n");
    expect(parseNetworkLine(networkLine("1a2b3c", true))).toEqual({ id: "1a2b3c", tracked: true });
    expect(parseNetworkLine(networkLine("1a2b3c", false))).toEqual({ id: "1a2b3c", tracked: false });
    for (const line of ["+net 1a2b3", "+net 1a2b3c4", "+net ../etc", "net 1a2b3c", "+4242", "+net 1A2B3C"]) {
      expect(parseNetworkLine(line)).toBeUndefined();
    }
    expect(parseTrackLine("+net 1a2b3c")).toBeUndefined();
  });
});
