// Makes a Node single executable application: the SEA blob of a CommonJS script, injected into a copy of Node.
import { execFile } from "node:child_process";
import { chmod, copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
/** Node's SEA fuse (docs: Single executable applications); postject flips it in the copy. */
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface SeaInputs {
  /** The Node binary that writes the blob and is copied: the same one, or the code cache would not match. */
  node: string;
  postject: string;
  script: string;
  workDir: string;
  output: string;
  /** Strip Node's debug symbols from the copy (binutils' strip; about 18 MB less). */
  strip: boolean;
}

async function step(what: string, file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { maxBuffer: 16 << 20 });
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`${what} failed: ${e.stderr?.trim() || e.message}`);
  }
}

export async function buildSea(i: SeaInputs): Promise<void> {
  const config = join(i.workDir, "sea-config.json");
  const blob = join(i.workDir, "sea.blob");
  const seaConfig = {
    main: i.script,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    useSnapshot: false,
  };
  await writeFile(config, JSON.stringify(seaConfig, null, 2));
  await step("writing the SEA blob", i.node, ["--experimental-sea-config", config]);
  await copyFile(i.node, i.output);
  await chmod(i.output, 0o755);
  if (i.strip) await step("strip", "strip", [i.output]);
  await step("postject", i.node, [i.postject, i.output, "NODE_SEA_BLOB", blob, "--sentinel-fuse", FUSE]);
}
