// The scale bench's safety-net list: the pods it still waits for are those a list still shows.
import { describe, expect, it } from "vitest";
import { stillThere } from "../../../hack/bench/gone-tracker.ts";

describe("stillThere", () => {
  it("keeps only the wanted uids a list still holds", () => {
    expect(stillThere(new Set(["a", "b", "c"]), new Set(["b", "x"]))).toEqual(new Set(["b"]));
    expect(stillThere(new Set(), new Set(["b"])).size).toBe(0);
  });
});
