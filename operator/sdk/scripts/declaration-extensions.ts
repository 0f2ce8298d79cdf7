// After tsc: relative `.ts` specifiers in the emitted .d.ts files become `.js` (tsc rewrites them in .js only).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const RELATIVE_TS = /(\bfrom\s*|\bimport\s*\(\s*)(["'])(\.{1,2}\/[^"']*?)\.ts\2/g;

/** The declaration text with every relative `.ts` import or re-export pointing at `.js`. */
export function rewriteDeclaration(text: string): string {
  return text.replace(RELATIVE_TS, (_all, lead: string, quote: string, path: string) => {
    return `${lead}${quote}${path}.js${quote}`;
  });
}

function declarations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return declarations(path);
    return entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error("usage: node scripts/declaration-extensions.ts <dist dir>");
  const files = declarations(dir);
  if (files.length === 0) throw new Error(`no .d.ts files under ${dir}: run tsc first`);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const rewritten = rewriteDeclaration(text);
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}
