/**
 * Debian packages for the tools tier: `apt-get download` into
 * `.cache/linux-bootparams/` (git-ignored), unpacked with `dpkg-deb -x`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, runOk } from '../helpers.js';

/** The cache folder. */
export const CACHE = path.join(REPO_ROOT, '.cache/linux-bootparams');

/** A downloaded and unpacked package. */
export interface DebianPackage {
  name: string;
  version: string;
  deb: string;
  /** Where `dpkg-deb -x` unpacked it. */
  root: string;
}

/** Downloads (once) and unpacks (once) a package. */
export async function debianPackage(name: string): Promise<DebianPackage> {
  fs.mkdirSync(CACHE, { recursive: true });
  const find = (): string | undefined => fs.readdirSync(CACHE).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
  if (find() === undefined) await runOk('apt-get', ['download', name], { cwd: CACHE, timeoutMs: 300_000 });
  const deb = path.join(CACHE, find() as string);
  const version = (await runOk('dpkg-deb', ['-f', deb, 'Version'])).stdout.trim();
  const root = path.join(CACHE, `x-${name}`);
  if (!fs.existsSync(root)) await runOk('dpkg-deb', ['-x', deb, root]);
  return { name, version, deb, root };
}

/** The kernel package the metapackage `linux-image-amd64` depends on now. */
export async function currentKernelPackage(): Promise<string> {
  const deps = await runOk('apt-cache', ['depends', 'linux-image-amd64']);
  const name = /Depends: (linux-image-[0-9][^\s]*-amd64)\s/.exec(deps.stdout)?.[1];
  if (name === undefined) throw new Error(`no kernel package in: ${deps.stdout}`);
  return name;
}

/** The unpacked kernel's vmlinuz path. */
export function vmlinuzOf(pkg: DebianPackage): string {
  const boot = path.join(pkg.root, 'boot');
  return path.join(boot, fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) as string);
}
