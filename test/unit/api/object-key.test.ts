// Object keys: built from a namespace and a name or from metadata, and read back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyOf, objectKey, parseKey } from "../../../operator/api/object-key.ts";

describe("object keys", () => {
  it("round-trip any namespace and name without a slash", () => {
    const part = fc.string().filter((s) => !s.includes("/"));
    fc.assert(
      fc.property(part, part, (namespace, name) => {
        expect(parseKey(objectKey(namespace, name))).toEqual({ namespace, name });
      }),
    );
  });

  it("come from metadata, with absent parts as empty", () => {
    expect(keyOf({ metadata: { namespace: "tel", name: "sprout-1" } })).toBe("tel/sprout-1");
    expect(keyOf({ metadata: { name: "node-a" } })).toBe("/node-a");
    expect(keyOf({})).toBe("/");
    expect(parseKey("no-namespace")).toEqual({ namespace: "", name: "no-namespace" });
  });
});
