import { describe, expect, it } from "vitest";
import { KINDS, parseValue, round, valueProblem } from "./conditions";

describe("alert conditions", () => {
  it("suggests a round level near the price", () => {
    expect(round(65529.71)).toBe(65530);
    expect(round(0.074123)).toBe(0.07412);
    expect(KINDS.price_below.suggest(64000)).toBe(60800);
    expect(KINDS.rsi_above.suggest(null)).toBe(70);
  });

  it("refuses what the server would refuse, with a reason", () => {
    expect(valueProblem("price_above", "")).toBe("Enter a number.");
    expect(valueProblem("price_above", "60k")).toBe("Enter a number (digits only).");
    expect(valueProblem("price_below", "-5")).toBe("A price above 0.");
    expect(valueProblem("rsi_above", "170")).toBe("An RSI between 0 and 100.");
    expect(valueProblem("volume_spike", "1")).toBe("A multiple above 1 (e.g. 3).");
    expect(valueProblem("price_above", "65,530")).toBeNull();
    expect(parseValue("65,530")).toBe(65530);
  });
});
