// A deterministic .tar.gz (ustar, owner root, mtime 0, gzip without a timestamp): the same inputs give the same sha256.
import { gzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  mode: number;
  data: Buffer;
}

function header(e: TarEntry): Buffer {
  if (Buffer.byteLength(e.name) > 100) throw new Error(`tar: name too long: ${e.name}`);
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number) => h.write(text, offset, "utf8");
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, "0")}\0`;
  put(e.name, 0);
  put(octal(e.mode, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(e.data.length, 12), 124);
  put(octal(0, 12), 136);
  put("        ", 148);
  put("0", 156);
  put("ustar\0", 257);
  put("00", 263);
  put("root", 265);
  put("root", 297);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

export function tarGz(entries: readonly TarEntry[]): Buffer {
  const blocks = entries.flatMap((e) => [
    header(e),
    e.data,
    Buffer.alloc((512 - (e.data.length % 512)) % 512),
  ]);
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]), { level: 9 });
}
