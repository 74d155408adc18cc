import { describe, expect, it } from "vitest";
import { expandVariables } from "../../src/kubelet/env-expansion.js";

const vars: Record<string, string> = { POD_IP: "127.77.0.1", EMPTY: "", PORT: "2379" };
const lookup = (name: string) => vars[name];

describe("expandVariables", () => {
  it("replaces defined references", () => {
    expect(expandVariables("http://$(POD_IP):$(PORT)", lookup)).toBe("http://127.77.0.1:2379");
    expect(expandVariables("[$(EMPTY)]", lookup)).toBe("[]");
  });

  it("leaves undefined references as written", () => {
    expect(expandVariables("$(NOPE) and $(POD_IP)", lookup)).toBe("$(NOPE) and 127.77.0.1");
    expect(expandVariables("$()", lookup)).toBe("$()");
  });

  it("treats $$ as an escaped dollar", () => {
    expect(expandVariables("$$(POD_IP)", lookup)).toBe("$(POD_IP)");
    expect(expandVariables("$$$(POD_IP)", lookup)).toBe("$127.77.0.1");
    expect(expandVariables("cost: $$5", lookup)).toBe("cost: $5");
  });

  it("keeps other dollars and unterminated references", () => {
    expect(expandVariables("$HOME ${X} $", lookup)).toBe("$HOME ${X} $");
    expect(expandVariables("$(POD_IP", lookup)).toBe("$(POD_IP");
    expect(expandVariables("a$(b", lookup)).toBe("a$(b");
  });
});
