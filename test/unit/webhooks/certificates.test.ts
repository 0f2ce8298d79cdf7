import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createCertificateSource,
  generateWebhookCertificates,
  writeWebhookCertificates,
} from "../../../operator/webhooks/certificates.ts";

describe("generateWebhookCertificates", () => {
  it("issues a CA and a serving certificate for the DNS names and 127.0.0.1", async () => {
    const now = new Date("2025-03-04T12:00:00Z");
    const certs = await generateWebhookCertificates({
      dnsNames: ["quiesce-operator.quiesce-system.svc", "quiesce-operator.quiesce-system.svc.cluster.local"],
      ipAddresses: ["10.0.0.7", "127.0.0.1"],
      validityDays: 30,
      now,
    });
    const ca = new X509Certificate(certs.caCert);
    const leaf = new X509Certificate(certs.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe(
      "DNS:quiesce-operator.quiesce-system.svc, DNS:quiesce-operator.quiesce-system.svc.cluster.local, " +
        "IP Address:127.0.0.1, IP Address:10.0.0.7",
    );
    expect(leaf.checkHost("quiesce-operator.quiesce-system.svc")).toBe("quiesce-operator.quiesce-system.svc");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth
    expect(new Date(leaf.validTo).getTime()).toBe(now.getTime() + 30 * 86_400_000);
    expect(new Date(leaf.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(leaf.publicKey.asymmetricKeyType).toBe("ec");
  });

  it("writes ca.crt, tls.crt and a private tls.key that the source loads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "webhook-certs-"));
    try {
      const certs = await generateWebhookCertificates({ dnsNames: ["a.b.svc"] });
      const files = await writeWebhookCertificates(join(dir, "nested"), certs);
      expect(await readFile(files.caFile, "utf8")).toBe(certs.caCert);
      expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
      const source = createCertificateSource({ certFile: files.certFile, keyFile: files.keyFile });
      expect(await source.load()).toEqual({ cert: certs.cert, key: certs.key });
      expect(await source.checkNow()).toBe(false); // unchanged since load
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("load names the files when they do not load", async () => {
    const source = createCertificateSource({
      certFile: "/nonexistent/tls.crt",
      keyFile: "/nonexistent/tls.key",
    });
    await expect(source.load()).rejects.toThrow(
      /webhook certificate \/nonexistent\/tls\.crt \/ key \/nonexistent\/tls\.key/,
    );
  });
});
