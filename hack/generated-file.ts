// Writes a generated file, or with `--check` exits 1 when the committed copy differs (make check-generated).
import { readFileSync, writeFileSync } from "node:fs";

export function writeOrCheck(target: string, expected: string, staleMessage: string): void {
  if (!process.argv.includes("--check")) {
    writeFileSync(target, expected);
    console.log(`wrote ${target}`);
    return;
  }
  let actual = "";
  try {
    actual = readFileSync(target, "utf8");
  } catch {
    // a missing file differs like any other
  }
  if (actual !== expected) {
    console.error(staleMessage);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
}
