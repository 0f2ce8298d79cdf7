// The e2e project: the e2e suite against a real cluster where the chart runs the operator (hack/e2e.sh runs it).
import { defineConfig } from "vitest/config";
import NameOrderSequencer from "./sequencer.ts";

export default defineConfig({
  test: {
    name: "e2e",
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 420_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    sequence: { sequencer: NameOrderSequencer },
  },
});
