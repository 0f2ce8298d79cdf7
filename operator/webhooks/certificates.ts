// Webhook TLS: an in-process CA + serving certificate (local mode), and a file source that hot-reloads cert/key.
import { createHash, createPrivateKey, type webcrypto, X509Certificate } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import * as x509 from "@peculiar/x509";

const crypto = globalThis.crypto;
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: "ECDSA", hash: "SHA-256" };
const DAY_MS = 86_400_000;

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface GeneratedCertificates extends CertificatePair {
  caCert: string;
  caKey: string;
}

export interface GenerateOptions {
  /** DNS SANs of the serving certificate, e.g. `quiesce-operator.quiesce-system.svc`. */
  dnsNames: readonly string[];
  /** IP SANs; 127.0.0.1 is always included (local mode reaches the webhook there). */
  ipAddresses?: readonly string[];
  validityDays?: number;
  now?: Date;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A fresh ECDSA P-256 CA and a serving certificate it signs (SANs: `dnsNames`, 127.0.0.1, `ipAddresses`). */
export async function generateWebhookCertificates(options: GenerateOptions): Promise<GeneratedCertificates> {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew with the API server
  const notAfter = new Date(now.getTime() + (options.validityDays ?? 365) * DAY_MS);
  const caKeys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=quiesce-operator-webhook-ca",
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const ips = [...new Set(["127.0.0.1", ...(options.ipAddresses ?? [])])];
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${options.dnsNames[0] ?? "127.0.0.1"}`,
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...options.dnsNames.map((value) => ({ type: "dns" as const, value })),
          ...ips.map((value) => ({ type: "ip" as const, value })),
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    caCert: caCert.toString("pem"),
    caKey: await privateKeyPem(caKeys.privateKey),
    cert: cert.toString("pem"),
    key: await privateKeyPem(keys.privateKey),
  };
}

export interface CertificateFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}

/** Writes `ca.crt`, `tls.crt` and `tls.key` (the keys of a kubernetes.io/tls Secret) into `dir`, each atomically. */
export async function writeWebhookCertificates(
  dir: string,
  certs: GeneratedCertificates,
): Promise<CertificateFiles> {
  await mkdir(dir, { recursive: true });
  const files = {
    caFile: join(dir, "ca.crt"),
    certFile: join(dir, "tls.crt"),
    keyFile: join(dir, "tls.key"),
  };
  await writeAtomically(files.caFile, certs.caCert, 0o644);
  await writeAtomically(files.keyFile, certs.key, 0o600);
  await writeAtomically(files.certFile, certs.cert, 0o644);
  return files;
}

export interface CertificateSourceOptions {
  certFile: string;
  keyFile: string;
  /** How often the files are re-read; polling, because fs.watch misses a mounted Secret's symlink swap. */
  intervalMs?: number;
  /** A changed pair that does not load (half-written, key/cert mismatch): the current one stays in use. */
  onError?: (error: Error) => void;
}

export interface CertificateSource {
  /** Reads and validates the pair now; throws (with the file names) when it does not load. */
  load(): Promise<CertificatePair>;
  /** Polls the files and calls `onChange` with each new valid pair. */
  start(onChange: (pair: CertificatePair) => void): void;
  /** One poll now; resolves true when a new valid pair was delivered. */
  checkNow(): Promise<boolean>;
  stop(): void;
}

function fingerprint(pair: CertificatePair): string {
  return createHash("sha256").update(pair.cert).update("\0").update(pair.key).digest("hex");
}

/** Watches a cert/key pair on disk (e.g. a Secret mounted by cert-manager) and reports every valid change. */
export function createCertificateSource(options: CertificateSourceOptions): CertificateSource {
  const intervalMs = options.intervalMs ?? 5_000;
  let current: string | undefined;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let listener: ((pair: CertificatePair) => void) | undefined;
  let polling = false;

  async function load(): Promise<CertificatePair> {
    try {
      const [cert, key] = await Promise.all([
        readFile(options.certFile, "utf8"),
        readFile(options.keyFile, "utf8"),
      ]);
      // OpenSSL silently drops a key that does not match the certificate (handshakes then fail): check it here.
      if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
        throw new Error("the private key does not match the certificate");
      }
      createSecureContext({ cert, key });
      return { cert, key };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(
        `webhook certificate ${options.certFile} / key ${options.keyFile} does not load: ${detail}`,
      );
    }
  }

  async function checkNow(): Promise<boolean> {
    let pair: CertificatePair;
    try {
      pair = await load();
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      if (err.message !== lastError) options.onError?.(err); // report each distinct failure once, not every poll
      lastError = err.message;
      return false;
    }
    lastError = undefined;
    const print = fingerprint(pair);
    if (print === current) return false;
    current = print;
    listener?.(pair);
    return true;
  }

  return {
    async load() {
      const pair = await load();
      current = fingerprint(pair);
      return pair;
    },
    start(onChange) {
      listener = onChange;
      if (timer) return;
      timer = setInterval(() => {
        if (polling) return;
        polling = true;
        void checkNow().finally(() => {
          polling = false;
        });
      }, intervalMs);
      timer.unref();
    },
    checkNow,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      listener = undefined;
    },
  };
}
