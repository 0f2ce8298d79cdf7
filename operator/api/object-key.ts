// The key of a namespaced object ("namespace/name") as a type of its own: queues, caches and counters use it.

declare const objectKeyBrand: unique symbol;

/** Built only by `objectKey`/`keyOf`, so a key is never a string put together by hand. */
export type ObjectKey = string & { readonly [objectKeyBrand]: true };

export interface ObjectRef {
  namespace: string;
  name: string;
}

export function objectKey(namespace: string, name: string): ObjectKey {
  return `${namespace}/${name}` as ObjectKey;
}

/** The key of an object from its metadata; a missing namespace (cluster-scoped) or name reads as "". */
export function keyOf(object: {
  metadata?: { namespace?: string | null; name?: string | null } | null;
}): ObjectKey {
  return objectKey(object.metadata?.namespace ?? "", object.metadata?.name ?? "");
}

/** The namespace and name of a key; the name may itself contain no "/" (Kubernetes names cannot). */
export function parseKey(key: string): ObjectRef {
  const at = key.indexOf("/");
  return at === -1 ? { namespace: "", name: key } : { namespace: key.slice(0, at), name: key.slice(at + 1) };
}
