// The images the e2e run needs, named like the chart and the scenario manifests expect them (hack/e2e.sh builds
// and loads them; the upgrade tag is the same image under a second tag, for `helm upgrade` to a new image).
export const OPERATOR_IMAGE = { repository: "quiesce-operator", tag: "dev", upgradeTag: "dev-upgrade" };
/** The scenario manifests' default image (test/scenarios/manifests.ts). */
export const SAMPLE_APP_IMAGE = "quiesce-sample-app:dev";
export const operatorImage = `${OPERATOR_IMAGE.repository}:${OPERATOR_IMAGE.tag}`;
