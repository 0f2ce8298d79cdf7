// The record kept for every request the traffic client sends.

export type RequestClass = "short" | "long";

export interface RequestOutcome {
  seq: number;
  path: string;
  class: RequestClass;
  /** Epoch ms. */
  start: number;
  end: number;
  /** The pod IP the request went to; absent when there was none to pick. */
  endpoint?: string;
  status?: number;
  ok: boolean;
  /** Why it failed: "no-endpoints", "timeout", a socket code (ECONNREFUSED, ECONNRESET), or "http-<status>". */
  failure?: string;
  body?: string;
}

export const NO_ENDPOINTS = "no-endpoints";
