// The load pod's flags: where to send, what mix, how many at once; one zod schema.
import { z } from "zod";

/** "PATH:WEIGHT[:long]" entries, comma-separated, e.g. "/work?ms=50:8,/work?ms=3000:2:long". */
const mix = z
  .string()
  .min(1)
  .transform((text, ctx) =>
    text.split(",").map((entry) => {
      const [path = "", weight = "1", cls = "short"] = entry.split(":");
      const parsed = { path, weight: Number(weight), class: cls };
      if (!path.startsWith("/") || !(parsed.weight > 0) || (cls !== "short" && cls !== "long")) {
        ctx.addIssue({ code: "custom", message: `bad mix entry "${entry}" (want PATH:WEIGHT[:short|long])` });
      }
      return parsed as { path: string; weight: number; class: "short" | "long" };
    }),
  );

export const loadPodOptionsSchema = z.object({
  /** Base URL of the target, normally a Service by DNS name: http://web.NAMESPACE.svc */
  target: z.url(),
  mix,
  concurrency: z.coerce.number().int().min(1).max(1000),
  timeoutMs: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /** Port of the control API (/healthz, /stats, /stop). */
  port: z.coerce.number().int().min(1).max(65535).default(8090),
});
export type LoadPodOptions = z.output<typeof loadPodOptionsSchema>;
