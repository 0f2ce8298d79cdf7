// Runs the e2e files in the order of their numbered names: the later ones disrupt the operator (leader loss,
// upgrade, node drain) and the last uninstalls it.
import { BaseSequencer, type TestSpecification } from "vitest/node";

export default class NameOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}
