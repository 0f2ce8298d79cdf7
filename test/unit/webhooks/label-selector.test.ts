import { describe, expect, it } from "vitest";
import { type LabelSelector, selectorMatches } from "../../../operator/api/label-selector.ts";

const labels = { app: "sprout", tier: "edge", empty: "" };

describe("selectorMatches", () => {
  const cases: Array<
    [string, LabelSelector | null | undefined, Record<string, string> | undefined, boolean]
  > = [
    ["empty selector matches everything", {}, labels, true],
    ["null selector matches nothing", null, labels, false],
    ["undefined selector matches nothing", undefined, labels, false],
    ["matchLabels equal", { matchLabels: { app: "sprout" } }, labels, true],
    ["matchLabels all must hold", { matchLabels: { app: "sprout", tier: "core" } }, labels, false],
    ["matchLabels missing key", { matchLabels: { zone: "a" } }, labels, false],
    ["matchLabels empty value needs the key", { matchLabels: { empty: "" } }, labels, true],
    ["matchLabels empty value, key absent", { matchLabels: { zone: "" } }, labels, false],
    ["pod without labels", { matchLabels: { app: "sprout" } }, undefined, false],
    [
      "In hit",
      { matchExpressions: [{ key: "tier", operator: "In", values: ["edge", "core"] }] },
      labels,
      true,
    ],
    ["In miss", { matchExpressions: [{ key: "tier", operator: "In", values: ["core"] }] }, labels, false],
    [
      "In on absent key",
      { matchExpressions: [{ key: "zone", operator: "In", values: [""] }] },
      labels,
      false,
    ],
    ["In with no values", { matchExpressions: [{ key: "tier", operator: "In", values: [] }] }, labels, false],
    [
      "NotIn hit",
      { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["edge"] }] },
      labels,
      false,
    ],
    [
      "NotIn miss",
      { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["core"] }] },
      labels,
      true,
    ],
    [
      "NotIn on absent key",
      { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] },
      labels,
      true,
    ],
    ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, labels, true],
    ["Exists on empty value", { matchExpressions: [{ key: "empty", operator: "Exists" }] }, labels, true],
    ["Exists absent", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels, false],
    ["DoesNotExist absent", { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels, true],
    ["DoesNotExist present", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels, false],
    [
      "unknown operator matches nothing",
      { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] },
      labels,
      false,
    ],
    [
      "labels and expressions combine with AND",
      {
        matchLabels: { app: "sprout" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["core"] }],
      },
      labels,
      false,
    ],
    [
      "several expressions all hold",
      {
        matchLabels: { app: "sprout" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["edge"] },
          { key: "zone", operator: "DoesNotExist" },
        ],
      },
      labels,
      true,
    ],
    [
      "inherited keys are not labels",
      { matchExpressions: [{ key: "toString", operator: "Exists" }] },
      labels,
      false,
    ],
  ];
  it.each(cases)("%s", (_name, selector, podLabels, expected) => {
    expect(selectorMatches(selector, podLabels)).toBe(expected);
  });
});
