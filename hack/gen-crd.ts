// Writes crds/quiescepolicies.quiesce.dev.yaml from the zod schema; `--check` fails when the committed file differs.
import { fileURLToPath } from "node:url";
import { renderCrdYaml } from "../operator/api/crd-yaml.ts";
import { writeOrCheck } from "./generated-file.ts";

const target = fileURLToPath(new URL("../crds/quiescepolicies.quiesce.dev.yaml", import.meta.url));
const expected = renderCrdYaml();

writeOrCheck(
  target,
  expected,
  `${target} is out of date with operator/api/quiesce-policy.ts; run: node hack/gen-crd.ts (and commit the result)`,
);
