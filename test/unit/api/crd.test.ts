// The generated CRD: committed file up to date, schema structural, CEL messages present, defaults equal zod's.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildCrd, type JsonSchema, specOpenApiSchema } from "../../../operator/api/crd.ts";
import { renderCrdYaml } from "../../../operator/api/crd-yaml.ts";
import { MESSAGES, parsePolicySpec } from "../../../operator/api/quiesce-policy.ts";

/** Keywords of apiextensions.k8s.io/v1 JSONSchemaProps that we allow in the generated schema. */
const ALLOWED = new Set([
  "type",
  "format",
  "description",
  "properties",
  "required",
  "items",
  "additionalProperties",
  "enum",
  "default",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "maxProperties",
  "anyOf",
  "nullable",
  "x-kubernetes-int-or-string",
  "x-kubernetes-validations",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
]);
const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);

const isObj = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** The structural-schema rules of the API server that this generator relies on; returns the violations. */
function structuralViolations(node: JsonSchema, path: string): string[] {
  const out: string[] = [];
  for (const key of Object.keys(node))
    if (!ALLOWED.has(key)) out.push(`${path}: keyword '${key}' not allowed`);
  if (node["x-kubernetes-int-or-string"] === true) {
    if ("type" in node) out.push(`${path}: int-or-string must not set type`);
    if (
      "anyOf" in node &&
      JSON.stringify(node.anyOf) !== JSON.stringify([{ type: "integer" }, { type: "string" }])
    )
      out.push(`${path}: int-or-string anyOf must be exactly [{type: integer}, {type: string}]`);
  } else {
    if (typeof node.type !== "string" || !TYPES.has(node.type))
      out.push(`${path}: needs a single known type`);
    if ("anyOf" in node) out.push(`${path}: anyOf only allowed with int-or-string`);
  }
  if ("properties" in node && "additionalProperties" in node)
    out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if (("properties" in node || "additionalProperties" in node) && node.type !== "object")
    out.push(`${path}: properties on a non-object`);
  if ("items" in node && node.type !== "array") out.push(`${path}: items on a non-array`);
  if (node.type === "array" && !isObj(node.items)) out.push(`${path}: array without items schema`);
  if (Array.isArray(node.required) && isObj(node.properties)) {
    for (const r of node.required)
      if (!(String(r) in node.properties)) out.push(`${path}: required '${r}' not a property`);
  }
  if (node["x-kubernetes-list-type"] === "map") {
    const keys = node["x-kubernetes-list-map-keys"];
    const req = isObj(node.items) && Array.isArray(node.items.required) ? node.items.required : [];
    if (!Array.isArray(keys) || keys.some((k) => !req.includes(k)))
      out.push(`${path}: list map keys must be required`);
  }
  if ("default" in node && "required" in node && isObj(node.default)) {
    // an object default must satisfy its own required list (after nested defaults)
    for (const r of node.required as string[]) {
      const child = isObj(node.properties) ? node.properties[r] : undefined;
      if (!(r in node.default) && !(isObj(child) && "default" in child))
        out.push(`${path}: default lacks '${r}'`);
    }
  }
  for (const rule of (node["x-kubernetes-validations"] as unknown[] | undefined) ?? []) {
    if (
      !isObj(rule) ||
      typeof rule.rule !== "string" ||
      typeof rule.message !== "string" ||
      rule.message === ""
    )
      out.push(`${path}: validation rule needs rule and message`);
  }
  if (isObj(node.properties))
    for (const [k, v] of Object.entries(node.properties))
      out.push(...(isObj(v) ? structuralViolations(v, `${path}.${k}`) : [`${path}.${k}: not a schema`]));
  if (isObj(node.items)) out.push(...structuralViolations(node.items, `${path}[]`));
  if (isObj(node.additionalProperties))
    out.push(...structuralViolations(node.additionalProperties, `${path}[*]`));
  return out;
}

function version(crd: JsonSchema): JsonSchema {
  const v = (crd.spec as { versions: JsonSchema[] }).versions[0];
  if (!v) throw new Error("no version");
  return v;
}

/** Applies CRD defaults the way the API server does: missing fields with a default get it, recursively. */
function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (!isObj(schema.properties) || !isObj(value)) return value;
  const out: JsonSchema = { ...value };
  for (const [k, child] of Object.entries(schema.properties)) {
    if (!isObj(child)) continue;
    if (!(k in out) && "default" in child) out[k] = structuredClone(child.default);
    if (k in out) out[k] = applyDefaults(child, out[k]);
  }
  return out;
}

describe("generated CRD", () => {
  it("is committed and up to date (run: node hack/gen-crd.ts)", () => {
    const committed = readFileSync(
      new URL("../../../crds/quiescepolicies.quiesce.dev.yaml", import.meta.url),
      "utf8",
    );
    expect(committed).toBe(renderCrdYaml());
    expect(parse(committed)).toEqual(buildCrd());
  });

  it("has a structural schema", () => {
    const schema = (version(buildCrd()).schema as { openAPIV3Schema: JsonSchema }).openAPIV3Schema;
    expect(structuralViolations(schema, "")).toEqual([]);
  });

  it("the structural checker catches what it claims to", () => {
    expect(structuralViolations({ properties: {} }, "x")).toContain("x: needs a single known type");
    expect(structuralViolations({ type: "string", anyOf: [{ type: "string" }] }, "x")).toContain(
      "x: anyOf only allowed with int-or-string",
    );
    const intOrString = { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer", minimum: 1 }] };
    expect(structuralViolations(intOrString, "x")).toHaveLength(1);
    expect(structuralViolations({ type: "object", $ref: "#/x" }, "x")).toContain(
      "x: keyword '$ref' not allowed",
    );
  });

  it("names, scope, status subresource and printer columns", () => {
    const crd = buildCrd();
    const spec = crd.spec as JsonSchema;
    expect(spec.scope).toBe("Namespaced");
    expect(spec.names).toMatchObject({
      plural: "quiescepolicies",
      kind: "QuiescePolicy",
      shortNames: ["qp"],
    });
    const v = version(crd);
    expect(v.subresources).toEqual({ status: {} });
    expect((v.additionalPrinterColumns as Array<{ name: string }>).map((c) => c.name)).toEqual([
      "Mode",
      "Matched",
      "Serving",
      "Quiescing",
      "Timeout",
      "Age",
    ]);
  });

  it("carries every cross-field rule as CEL with its message", () => {
    const text = JSON.stringify(specOpenApiSchema());
    for (const m of Object.values(MESSAGES)) {
      if (m === MESSAGES.labelValue) continue; // checked by the schema pattern
      expect(text).toContain(JSON.stringify(m).slice(1, -1));
    }
  });

  it("defaults equal zod's defaults", () => {
    const schema = specOpenApiSchema();
    for (const input of [
      { selector: { matchLabels: { a: "b" } }, drain: { timeoutSeconds: 60 } },
      {
        selector: { matchLabels: { a: "b" } },
        endpoint: { port: 8081 },
        drain: { timeoutSeconds: 60 },
        budget: {},
      },
      { selector: { matchLabels: { a: "b" } }, drain: { timeoutSeconds: 60 }, budget: { minServing: 3 } },
      { selector: { matchLabels: { a: "b" } }, drain: { timeoutSeconds: 60 }, scaleIn: { preferIdle: true } },
    ]) {
      const zod = parsePolicySpec(input);
      expect(zod.ok).toBe(true);
      if (zod.ok) expect(applyDefaults(schema, input)).toEqual(zod.spec);
    }
  });
});
