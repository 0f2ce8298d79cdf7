// Prints the structure figures the refactor issue asks for: longest file and function in operator/, upward imports.
// Usage: node hack/structure-report.ts [ROOT]   (ROOT defaults to this checkout)
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { layerViolations } from "../test/harness/import-layers.ts";

const root = resolve(process.argv[2] ?? ".");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

interface Span {
  where: string;
  lines: number;
}

function functionsOf(file: string, text: string): Span[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans: Span[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
      spans.push({ where: `${relative(root, file)}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return spans;
}

const files = sources(join(root, "operator")).map((f) => ({ f, text: readFileSync(f, "utf8") }));
const byLength = files
  .map(({ f, text }) => ({ where: relative(root, f), lines: text.split("\n").length - 1 }))
  .sort((a, b) => b.lines - a.lines);
const functions = files.flatMap(({ f, text }) => functionsOf(f, text)).sort((a, b) => b.lines - a.lines);
const violations = layerViolations(root);
const top = (list: Span[]) =>
  list
    .slice(0, 3)
    .map((s) => `${s.lines} ${s.where}`)
    .join("; ");
console.log(`files in operator/: ${files.length}, lines: ${byLength.reduce((n, s) => n + s.lines, 0)}`);
console.log(`longest files: ${top(byLength)}`);
console.log(`longest functions: ${top(functions)}`);
console.log(`functions over 80 lines: ${functions.filter((s) => s.lines > 80).length}`);
console.log(`imports breaking a layer rule: ${violations.length}`);
for (const v of violations) console.log(`  ${v}`);
