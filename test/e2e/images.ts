// The two images the e2e run needs, named like the chart and the scenario manifests expect them.
export const OPERATOR_IMAGE = { repository: "quiesce-operator", tag: "dev" };
/** The scenario manifests' default image (test/scenarios/manifests.ts). */
export const SAMPLE_APP_IMAGE = "quiesce-sample-app:dev";
export const operatorImage = `${OPERATOR_IMAGE.repository}:${OPERATOR_IMAGE.tag}`;
