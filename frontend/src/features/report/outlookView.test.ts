import { describe, expect, it } from "vitest";
import { ETH_OUTLOOK } from "../../state/fixtures";
import { leanCounts, levelTiles, mentions, scenarioPath, withoutValue } from "./outlookView";

describe("numbers the outlook's texts already state", () => {
  it("are found at the decimals they were written with", () => {
    expect(mentions("a 4h close above 65,393.63 (resistance), target 67,192.10", 67192.09999999999)).toBe(true);
    expect(mentions("a 4h close below 0.07170 (support), target 0.06872", 0.068716)).toBe(true);
    expect(mentions("a 4h close above 65,393.63 (resistance)", 67192.1)).toBe(false);
    expect(mentions("a 4h close above 1,720.50", 1720)).toBe(false);
  });

  it("leave a note without the price its tile shows", () => {
    expect(withoutValue("a close above resistance 65,393.63", 65393.63)).toBe("a close above resistance");
    expect(withoutValue("a close below 0.07170 (support)", 0.0717)).toBe("a close below (support)");
    expect(withoutValue("a close above resistance 65,393.63", 1)).toBe("a close above resistance 65,393.63");
  });
});

describe("the scenario path", () => {
  it("names the target only when the trigger does not", () => {
    const bull = ETH_OUTLOOK.scenarios?.[0];
    if (!bull) throw new Error("no scenario");
    expect(scenarioPath(bull, ETH_OUTLOOK.price)).toBe("target 1,805.00 · stop 1,640.00 · R/R 1.1");
    const stated = { ...bull, trigger: "a 4h close above 1,720.50 (resistance), target 1,805.00 (next resistance)" };
    expect(scenarioPath(stated, ETH_OUTLOOK.price)).toBe("stop 1,640.00 · R/R 1.1");
  });
});

describe("the level tiles", () => {
  it("say what invalidates the bias without repeating its price", () => {
    const o = { ...ETH_OUTLOOK, invalidation: 1720.5, invalidation_note: "a close above resistance 1,720.50" };
    const invalidation = levelTiles(o).find((tile) => tile.key === "invalidation");
    expect(invalidation).toMatchObject({ price: "1,720.50", note: "a close above resistance" });
  });

  it("keep a note that is all a missing level has", () => {
    const o = { ...ETH_OUTLOOK, invalidation: null, invalidation_note: "a neutral bias has no invalidation" };
    const invalidation = levelTiles(o).find((tile) => tile.key === "invalidation");
    expect(invalidation).toMatchObject({ price: null, note: "a neutral bias has no invalidation" });
  });
});

describe("the signals' summary", () => {
  it("counts how they lean, bearish first, leaving out leans none has", () => {
    expect(leanCounts(ETH_OUTLOOK)).toEqual([
      ["bearish", 2],
      ["neutral", 1],
    ]);
  });
});
