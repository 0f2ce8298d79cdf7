import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { containerArgv, containerEnv, expandReferences } from "../../harness/node-agent/container-env.ts";
import { parsePod } from "../../harness/node-agent/pod-model.ts";

const pod = parsePod({
  metadata: { name: "web-1", namespace: "shop", uid: "abc", labels: { app: "web" } },
  spec: {
    nodeName: "local-node-0",
    containers: [
      {
        name: "app",
        command: ["node", "server.js"],
        args: ["--port", "$(PORT)", "$$(PORT)"],
        env: [
          { name: "PORT", value: "8080" },
          { name: "URL", value: "http://$(MY_IP):$(PORT)" },
          { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MY_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        ],
      },
    ],
  },
});
const container = pod.spec.containers[0]!;
const ctx = {
  pod,
  container,
  podIP: "127.1.3.4",
  hostIP: "127.0.0.1",
  repoRoot: "/repo",
  basePath: "/usr/bin",
};

describe("containerEnv", () => {
  it("resolves values and fieldRefs and adds the POD_* variables", () => {
    const env = containerEnv(ctx);
    expect(env).toMatchObject({
      PORT: "8080",
      MY_NAME: "web-1",
      MY_NS: "shop",
      MY_IP: "127.1.3.4",
      APP: "web",
      POD_NAME: "web-1",
      POD_NAMESPACE: "shop",
      POD_IP: "127.1.3.4",
    });
  });

  it("puts the repo's node_modules/.bin first on PATH", () => {
    expect(containerEnv(ctx).PATH).toBe([join("/repo", "node_modules", ".bin"), "/usr/bin"].join(delimiter));
  });

  it("only expands references to variables defined earlier", () => {
    expect(containerEnv(ctx).URL).toBe("http://$(MY_IP):8080");
  });

  it("rejects what it cannot provide rather than guessing", () => {
    const bad = {
      ...container,
      env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } }],
    };
    expect(() => containerEnv({ ...ctx, container: bad })).toThrow(
      /unsupported fieldRef spec.serviceAccountName/,
    );
  });
});

describe("containerArgv", () => {
  it("joins command and args with $(VAR) expansion and $$ escapes", () => {
    expect(containerArgv(container, { PORT: "8080" })).toEqual([
      "node",
      "server.js",
      "--port",
      "8080",
      "$(PORT)",
    ]);
  });

  it("refuses a container without a command", () => {
    expect(() => containerArgv({ name: "x" }, {})).toThrow(/no command/);
  });

  it("leaves unknown references alone", () => {
    expect(expandReferences("$(NOPE)-$(A)", { A: "1" })).toBe("$(NOPE)-1");
  });
});
