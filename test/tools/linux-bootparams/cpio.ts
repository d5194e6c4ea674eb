/** A minimal writer of `newc` cpio archives (what the kernel unpacks as an initramfs). */

/** One archive member. */
export interface CpioEntry {
  name: string;
  /** st_mode: file type and permissions (0o100755 a file, 0o40755 a directory, 0o20600 a character device). */
  mode: number;
  data?: Uint8Array;
  rdevMajor?: number;
  rdevMinor?: number;
}

/** Builds a newc archive, with the trailer, padded to 512 bytes. */
export function cpioNewc(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    size += b.length;
  };
  const align4 = (): void => push(new Uint8Array((4 - (size % 4)) % 4));
  const f = (n: number): string => n.toString(16).padStart(8, '0');
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }] as CpioEntry[]) {
    const data = e.data ?? new Uint8Array(0);
    const header = `070701${f(ino++)}${f(e.mode)}${f(0)}${f(0)}${f(1)}${f(0)}${f(data.length)}${f(0)}${f(0)}${f(e.rdevMajor ?? 0)}${f(e.rdevMinor ?? 0)}${f(e.name.length + 1)}${f(0)}`;
    push(new TextEncoder().encode(`${header}${e.name}\0`));
    align4();
    push(data);
    align4();
  }
  push(new Uint8Array((512 - (size % 512)) % 512));
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
