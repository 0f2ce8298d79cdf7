// `node hack/bench/cpu-profile.ts FILE FROM_MS TO_MS`: a V8 .cpuprofile (--cpu-prof) cut to a time window (ms after
// the profile began), as the functions with the most self and total time in it: where the operator's burst goes.
import { readFile } from "node:fs/promises";
import { profileSchema, summarizeWindow } from "../../test/harness/report/cpu-profile.ts";

const [file, from, to] = process.argv.slice(2);
if (!file) throw new Error("usage: cpu-profile.ts FILE [FROM_MS] [TO_MS]");
const profile = profileSchema.parse(JSON.parse(await readFile(file, "utf8")));
const summary = summarizeWindow(
  profile,
  Number(from ?? 0),
  Number(to ?? Number.POSITIVE_INFINITY),
  Number(process.env.TOP ?? 40),
);
console.log(`sampled ${summary.sampledMs} ms`);
console.log("self:");
for (const [k, v] of summary.selfMs) console.log(`  ${String(v).padStart(7)} ms  ${k}`);
console.log("total:");
for (const [k, v] of summary.totalMs) console.log(`  ${String(v).padStart(7)} ms  ${k}`);
