// Builds the QuiescePolicy CustomResourceDefinition from the zod schema, as a structural OpenAPI v3 schema.
import { z } from "zod";
import {
  CATEGORIES,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  quiescePolicySpecSchema,
  quiescePolicyStatusSchema,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from "./quiesce-policy.ts";

export type JsonSchema = { [key: string]: unknown };

const SAFE_BOUND = Number.MAX_SAFE_INTEGER;

/** Keywords zod emits that a CRD schema does not accept, or that only restate zod's own defaults. */
const DROPPED = new Set(["$schema", "$id", "id", "propertyNames", "definitions", "$defs"]);

function isObject(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Rewrites one zod JSON schema node (and its children) into the structural subset the API server accepts.
 * Throws, naming the path, on anything it cannot make structural, so a schema change fails the generator.
 */
export function toStructural(node: JsonSchema, path = "spec"): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    out[key] = value;
  }
  if (out["x-kubernetes-int-or-string"] === true) {
    // The API server accepts exactly this anyOf next to int-or-string; ranges and formats live in CEL rules.
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
    return out;
  }
  for (const combinator of ["anyOf", "oneOf", "allOf", "not", "$ref"]) {
    if (combinator in out) throw new Error(`CRD schema at ${path}: '${combinator}' is not structural`);
  }
  if (typeof out.type !== "string") throw new Error(`CRD schema at ${path}: missing a single 'type'`);
  if (out.format === "date-time") delete out.pattern; // Go's RE2 cannot compile zod's look-arounds; format checks it.
  if (out.type === "integer") {
    if (out.minimum === -SAFE_BOUND) delete out.minimum;
    if (out.maximum === SAFE_BOUND) delete out.maximum;
  }
  if (isObject(out.properties)) {
    delete out.additionalProperties; // properties and additionalProperties are mutually exclusive in a CRD
    const props: JsonSchema = {};
    for (const [name, child] of Object.entries(out.properties)) {
      if (!isObject(child)) throw new Error(`CRD schema at ${path}.${name}: not a schema`);
      props[name] = toStructural(child, `${path}.${name}`);
    }
    out.properties = props;
  }
  if (isObject(out.additionalProperties)) {
    out.additionalProperties = toStructural(out.additionalProperties, `${path}[*]`);
  }
  if (isObject(out.items)) out.items = toStructural(out.items, `${path}[]`);
  return out;
}

export function specOpenApiSchema(): JsonSchema {
  return toStructural(
    z.toJSONSchema(quiescePolicySpecSchema, { io: "input", target: "openapi-3.0" }) as JsonSchema,
    "spec",
  );
}

export function statusOpenApiSchema(): JsonSchema {
  return toStructural(
    z.toJSONSchema(quiescePolicyStatusSchema, { io: "input", target: "openapi-3.0" }) as JsonSchema,
    "status",
  );
}

export function buildCrd(): JsonSchema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
        categories: CATEGORIES,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Mode", type: "string", jsonPath: ".spec.mode" },
            { name: "Matched", type: "integer", jsonPath: ".status.pods.matched" },
            { name: "Serving", type: "integer", jsonPath: ".status.pods.serving" },
            { name: "Quiescing", type: "integer", jsonPath: ".status.pods.quiescing" },
            {
              name: "Timeout",
              type: "integer",
              jsonPath: ".spec.drain.timeoutSeconds",
              description: "drain.timeoutSeconds",
            },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description:
                "QuiescePolicy makes every planned removal of the pods it selects a quiesce: NotReady, wait for traffic to stop, ask the app to quiesce, wait for its in-flight work, then remove.",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: specOpenApiSchema(),
                status: statusOpenApiSchema(),
              },
            },
          },
        },
      ],
    },
  };
}
