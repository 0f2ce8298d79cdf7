// Kubernetes label selector matching (matchLabels + matchExpressions), pure.

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: readonly string[] | null;
}

export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly LabelSelectorRequirement[] | null;
}

export type Labels = Readonly<Record<string, string>> | null | undefined;

function requirementMatches(
  req: LabelSelectorRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const present = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return present && values.includes(labels[req.key] ?? "");
    case "NotIn":
      return !present || !values.includes(labels[req.key] ?? "");
    case "Exists":
      return present;
    case "DoesNotExist":
      return !present;
    default:
      // An operator the API server would have rejected: match nothing rather than everything.
      return false;
  }
}

/**
 * True when `labels` satisfy `selector`, with Kubernetes semantics: every matchLabels pair and every
 * expression must hold; an empty selector (`{}`) matches every object, a missing one (null/undefined) none.
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Labels): boolean {
  if (selector === null || selector === undefined) return false;
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(actual, key) || actual[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, actual));
}
