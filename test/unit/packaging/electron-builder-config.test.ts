/**
 * The installer configuration: targets per platform, native modules unpacked and rebuilt, the
 * app's identity, and an icon set that is real (valid PNG, ICO and ICNS containers with the
 * sizes each platform asks for). electron-builder's own schema validates the whole file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const ROOT = resolve(import.meta.dirname, '../../..');
const config = YAML.parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { productName: string; main: string };
const file = (p: string) => readFileSync(join(ROOT, p));

const targetsOf = (platform: 'win' | 'mac' | 'linux'): string[] =>
  (config[platform].target as (string | { target: string })[]).map((t) => (typeof t === 'string' ? t : t.target));

// ------------------------------------------------------------------ image format readers

interface Png {
  width: number;
  height: number;
  colorType: number;
  pixels: Buffer;
}

/** Reads a PNG strictly enough to prove it is one: signature, chunk CRCs, IHDR, IDAT inflates, IEND. */
function readPng(buf: Buffer): Png {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < buf.length) {
    const len = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + len);
    expect(buf.readUInt32BE(offset + 8 + len), `CRC of ${type}`).toBe(crc32(buf.subarray(offset + 4, offset + 8 + len)));
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    offset += 12 + len;
  }
  expect(ihdr).not.toBeNull();
  expect(ended).toBe(true);
  return { width: ihdr!.readUInt32BE(0), height: ihdr!.readUInt32BE(4), colorType: ihdr!.readUInt8(9), pixels: inflateSync(Buffer.concat(idat)) };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readIco(buf: Buffer): { size: number; png: Png }[] {
  expect(buf.readUInt16LE(0)).toBe(0);
  expect(buf.readUInt16LE(2)).toBe(1);
  const count = buf.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const e = 6 + 16 * i;
    const size = buf.readUInt8(e) || 256;
    expect(buf.readUInt8(e + 1) || 256).toBe(size);
    const bytes = buf.readUInt32LE(e + 8);
    const at = buf.readUInt32LE(e + 12);
    expect(at + bytes).toBeLessThanOrEqual(buf.length);
    return { size, png: readPng(buf.subarray(at, at + bytes)) };
  });
}

function readIcns(buf: Buffer): Map<string, Png> {
  expect(buf.toString('ascii', 0, 4)).toBe('icns');
  expect(buf.readUInt32BE(4)).toBe(buf.length);
  const out = new Map<string, Png>();
  for (let at = 8; at < buf.length; ) {
    const type = buf.toString('ascii', at, at + 4);
    const len = buf.readUInt32BE(at + 4);
    expect(len).toBeGreaterThan(8);
    out.set(type, readPng(buf.subarray(at + 8, at + len)));
    at += len;
  }
  return out;
}

/** Parses XML strictly (saxes throws on malformed input) into a tiny element tree. */
interface El {
  name: string;
  children: El[];
  text: string;
}
function parseXml(text: string): El {
  const parser = new SaxesParser();
  const root: El = { name: '#root', children: [], text: '' };
  const stack = [root];
  parser.on('opentag', (t) => {
    const el = { name: t.name, children: [], text: '' };
    stack.at(-1)!.children.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => (stack.at(-1)!.text += t.trim()));
  parser.on('closetag', () => void stack.pop());
  parser.write(text).close();
  return root.children[0]!;
}

// ------------------------------------------------------------------ tests

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema', async () => {
    const require = createRequire(join(ROOT, 'package.json'));
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (c: unknown, log: unknown) => Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    // …and the validation is real: an unknown option is refused.
    await expect(validateConfiguration({ ...structuredClone(config), nsis: { ...config.nsis, perUser: true } }, new DebugLogger(false))).rejects.toThrow(/nsis/);
  });

  it('names the app and starts it from the bundled main process', () => {
    expect(config.appId).toBe('com.esgsync.agent');
    expect(config.productName).toBe(pkg.productName);
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(config.files).toContain('dist/**/*');
    expect(config.fileAssociations).toEqual([]);
  });

  it('builds a per-user NSIS installer, a hardened dmg, an AppImage and a deb', () => {
    expect(targetsOf('win')).toEqual(['nsis']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: false });
    expect(targetsOf('mac')).toEqual(['dmg']);
    expect(config.mac).toMatchObject({ hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist', entitlementsInherit: 'build/entitlements.mac.plist' });
    expect(targetsOf('linux').sort()).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toContain('libsecret-1-0');
  });

  it('rebuilds native modules for Electron and keeps them out of the asar archive', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
    for (const mod of ['better-sqlite3', 'keytar']) expect(config.asarUnpack).toContain(`**/node_modules/${mod}/**`);
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('leaves auto-update off unless a publish provider is configured', () => {
    expect(config.publish === null || typeof config.publish?.provider === 'string').toBe(true);
  });
});

describe('icons', () => {
  it('has a PNG for every Linux size, square, RGBA, with transparent corners', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const png = readPng(file(`build/icons/${size}x${size}.png`));
      expect([png.width, png.height, png.colorType], `${size}x${size}.png`).toEqual([size, size, 6]);
      // The top-left pixel (after the row's filter byte; every PNG filter stores row 0's first pixel
      // unchanged): the rounded plate leaves the corner transparent.
      expect(png.pixels[4], `alpha of the top-left pixel at ${size}`).toBe(0);
    }
    expect(readPng(file('build/icon.png')).width).toBe(1024);
    expect(config.linux.icon).toBe('build/icons');
  });

  it('has a Windows .ico with 16–256 px images', () => {
    expect(config.win.icon).toBe('build/icon.ico');
    const images = readIco(file('build/icon.ico'));
    expect(images.map((i) => i.size).sort((a, b) => a - b)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    for (const i of images) expect([i.png.width, i.png.height]).toEqual([i.size, i.size]);
  });

  it('has a macOS .icns with every size from 16 to 1024 px (and the retina variants)', () => {
    expect(config.mac.icon).toBe('build/icon.icns');
    const icns = readIcns(file('build/icon.icns'));
    const expected: Record<string, number> = { icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 };
    expect([...icns.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [type, size] of Object.entries(expected)) expect(icns.get(type)!.width, type).toBe(size);
  });

  it('has tray images for every state at 1x and 2x', () => {
    for (const kind of ['ok', 'syncing', 'attention', 'paused']) {
      expect(readPng(file(`build/tray/tray-${kind}.png`)).width).toBe(16);
      expect(readPng(file(`build/tray/tray-${kind}@2x.png`)).width).toBe(32);
    }
  });
});

describe('macOS entitlements', () => {
  it('is a well-formed plist granting what Electron needs under the hardened runtime', () => {
    const path = join(ROOT, config.mac.entitlements as string);
    expect(existsSync(path)).toBe(true);
    const plist = parseXml(readFileSync(path, 'utf8'));
    expect(plist.name).toBe('plist');
    const dict = plist.children[0]!;
    expect(dict.name).toBe('dict');
    const entries = new Map<string, string>();
    for (let i = 0; i < dict.children.length; i += 2) {
      expect(dict.children[i]!.name).toBe('key');
      entries.set(dict.children[i]!.text, dict.children[i + 1]!.name);
    }
    expect(Object.fromEntries(entries)).toEqual({
      'com.apple.security.cs.allow-jit': 'true',
      'com.apple.security.cs.allow-unsigned-executable-memory': 'true',
      'com.apple.security.cs.disable-library-validation': 'true',
    });
  });
});
