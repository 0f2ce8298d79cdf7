// Writes a kubeconfig for the local control plane from a server URL and client credentials.
import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";

export type Credentials =
  | { kind: "cert"; certFile: string; keyFile: string }
  | { kind: "token"; token: string };

const b64 = async (file: string) => (await readFile(file)).toString("base64");

export async function writeKubeconfig(
  path: string,
  server: string,
  caFile: string,
  user: string,
  credentials: Credentials,
): Promise<void> {
  const userEntry =
    credentials.kind === "cert"
      ? {
          "client-certificate-data": await b64(credentials.certFile),
          "client-key-data": await b64(credentials.keyFile),
        }
      : { token: credentials.token };
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "quiesce-local", cluster: { server, "certificate-authority-data": await b64(caFile) } },
    ],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: "quiesce-local", context: { cluster: "quiesce-local", user } }],
    "current-context": "quiesce-local",
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
