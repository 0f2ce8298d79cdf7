// Bearer-token check for the quiesce endpoint, in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

export type TokenCheck = (authorization: string | undefined) => boolean;

/** Returns a check that accepts exactly `Authorization: Bearer <token>`; without a token, everything passes. */
export function bearerCheck(token: string | undefined): TokenCheck {
  if (token === undefined || token === "") return () => true;
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
    // Comparing digests keeps the comparison constant-time whatever the presented length.
    return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
