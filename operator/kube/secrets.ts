// Reads bearer tokens from Secrets with a short cache; tokens never reach logs, Events or error messages.
import type { CoreV1Api } from "@kubernetes/client-node";
import { statusCodeOf } from "./api-errors.ts";

export type TokenResult = { ok: true; token: string } | { ok: false; message: string };

export interface TokenSource {
  token(namespace: string, ref: { name: string; key: string }): Promise<TokenResult>;
}

export function secretTokenSource(core: CoreV1Api, ttlMs = 30_000, now = () => Date.now()): TokenSource {
  const cache = new Map<string, { at: number; result: TokenResult }>();
  return {
    async token(namespace, ref) {
      const key = `${namespace}/${ref.name}/${ref.key}`;
      const hit = cache.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.result;
      let result: TokenResult;
      try {
        const secret = await core.readNamespacedSecret({ namespace, name: ref.name });
        const encoded = secret.data?.[ref.key];
        result =
          encoded === undefined
            ? { ok: false, message: `Secret ${namespace}/${ref.name} has no key ${ref.key}` }
            : { ok: true, token: Buffer.from(encoded, "base64").toString("utf8").trim() };
      } catch (error) {
        const code = statusCodeOf(error);
        result = {
          ok: false,
          message:
            code === 403
              ? `not allowed to read Secret ${namespace}/${ref.name}: grant the operator get on it (see docs/security.md)`
              : `cannot read Secret ${namespace}/${ref.name} (HTTP ${code ?? "error"})`,
        };
      }
      cache.set(key, { at: now(), result });
      return result;
    },
  };
}
