// Chain benches: the generated encoder of a configuration feeding its decoder through a word FIFO, for
// one or several configurations in one simulation (each generated with its own --prefix, so their
// modules live side by side). Members are gen-rtl output folders, read as an integrator would: the
// manifest names the configuration and the tops, the filelist the sources. The decoded pixels are
// compared with the golden model's reconstruction; each member reports its cycles.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodecConfig, Derived, derive } from '../golden/params.js';
import { encodeTile } from '../golden/tile.js';
import { BENCH_DIR, GENERATOR_VERSION, renderBench } from '../generator/render.js';
import { EncoderTile } from './encoder-vectors.js';
import { Simulator, simulate } from './run.js';

const POLICY_CODE = { lossless: 0, auto: 1, dct: 2 } as const;

/** What a chain bench needs from a gen-rtl output folder. */
export interface GeneratedCore {
  dir: string;
  d: Derived;
  prefix: string;
  encoder: string; // top module names
  decoder: string;
  files: string[]; // absolute paths, filelist order
}

/** Reads a gen-rtl output folder through its manifest and filelist. */
export function readGenerated(dir: string): GeneratedCore {
  const abs = resolve(dir);
  const m = JSON.parse(readFileSync(join(abs, 'manifest.json'), 'utf8'));
  const { configTag: _tag, ...codec } = m.configuration as CodecConfig & { configTag: string };
  const list = readFileSync(join(abs, m.filelist), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('//'));
  return { dir: abs, d: derive(codec), prefix: m.prefix, encoder: m.encoder.top, decoder: m.decoder.top, files: list.map((f) => join(abs, f)) };
}

export interface ChainMember {
  core: GeneratedCore;
  tiles: EncoderTile[];
  fifoDepth: number; // words between encoder and decoder; 0 wires them together
}

export interface ChainResult {
  member: number; // index in the members array
  encoder: string;
  pixels: number;
  cycles: number; // first accepted pixel to last decoded pixel
  encCycles: number; // first accepted pixel to the encoder's last word
  words: number;
  inStalls: number; // cycles a pixel waited at the encoder's input
}

const hex = (v: bigint, bits: number) => v.toString(16).padStart(Math.ceil(bits / 4), '0');

function pack(values: ArrayLike<number>, base: number, C: number, W: number): bigint {
  let x = 0n;
  const mask = (1n << BigInt(W)) - 1n;
  for (let c = C - 1; c >= 0; c--) x = (x << BigInt(W)) | (BigInt(values[base + c]) & mask);
  return x;
}

/** Writes one member's vectors and bench module into dir; returns the bench module name. */
function writeMember(m: ChainMember, dir: string, index: number): { bench: string; file: string; pixels: number } {
  const { d } = m.core;
  const { channels: C, dataWidth: W } = d.cfg;
  const PW = C * W;
  mkdirSync(dir, { recursive: true });
  const inLines: string[] = [];
  const expLines: string[] = [];
  let words = 0;
  for (const t of m.tiles) {
    const base = t.base ?? 0;
    const enc = encodeTile(d, t.settings, t.pixels, t.npix, base);
    words += enc.words;
    for (let p = 0; p < t.npix; p++) {
      const last = p === t.npix - 1 ? 1n : 0n;
      const px = pack(t.pixels, base + p * C, C, W);
      const ctl = (BigInt(t.npix) << 7n) | (BigInt(t.settings.quantShift) << 3n) | (BigInt(POLICY_CODE[t.settings.policy]) << 1n) | last;
      inLines.push(hex((ctl << BigInt(PW)) | px, PW + 23));
      expLines.push(hex((last << BigInt(PW)) | pack(enc.recon, p * C, C, W), PW + 1));
    }
  }
  writeFileSync(join(dir, 'in.hex'), inLines.join('\n') + '\n');
  writeFileSync(join(dir, 'exp.hex'), expLines.join('\n') + '\n');
  const bench = `chain_m${index}`;
  const text = renderBench('chain_tb', {
    bench,
    version: GENERATOR_VERSION,
    dir,
    encoder: m.core.encoder,
    decoder: m.core.decoder,
    depth: m.fifoDepth,
    PW,
    B: d.cfg.busWidth,
    NPIX: inLines.length,
    maxCycles: 50 * (inLines.length + words) + 2000,
  });
  const file = join(dir, `${bench}.v`);
  writeFileSync(file, text);
  return { bench, file, pixels: inLines.length };
}

/** Writes every member and a group top that prints PASS once all members are done. */
export function writeChainBench(members: ChainMember[], dir: string): { files: string[]; top: string } {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const files: string[] = [];
  for (const m of members) for (const f of m.core.files) if (!files.includes(f)) files.push(f); // a core may serve several members
  files.push(join(BENCH_DIR, 'chain_fifo.v'));
  const written = members.map((m, i) => writeMember(m, join(abs, `m${i}`), i));
  files.push(...written.map((w) => w.file));
  const pixels = written.reduce((a, w) => a + w.pixels, 0);
  const top = 'chain_group';
  const text = [
    '// chain_group -- runs the chain members side by side; PASS once all are done.',
    '`timescale 1ns / 1ps',
    '`default_nettype none',
    `module ${top};`,
    ...written.map((_, i) => `    wire done_${i};`),
    ...written.map((w, i) => `    ${w.bench} m${i} (.done(done_${i}));`),
    '    initial begin',
    `        wait (${written.map((_, i) => `done_${i}`).join(' && ')});`,
    `        $display("PASS beats=${pixels} cycles=0 pixels=${pixels}");`,
    '        $finish;',
    '    end',
    'endmodule',
    '',
  ].join('\n');
  const f = join(abs, `${top}.v`);
  writeFileSync(f, text);
  files.push(f);
  return { files, top };
}

/** Runs a chain group; ok only when every member decoded every pixel exactly. */
export async function runChain(members: ChainMember[], dir: string, sim: Simulator): Promise<{ ok: boolean; output: string; results: ChainResult[] }> {
  const { files, top } = writeChainBench(members, dir);
  const r = await simulate(sim, { files, top, workDir: join(resolve(dir), 'run') });
  const results: ChainResult[] = [];
  // members finish in any order: each line names its bench, chain_m<index>
  for (const m of r.output.matchAll(/^MEMBER chain_m(\d+) (\S+) pixels=(\d+) cycles=(\d+) enc_cycles=(\d+) words=(\d+) in_stalls=(\d+)$/gm)) {
    results[+m[1]] = { member: +m[1], encoder: m[2], pixels: +m[3], cycles: +m[4], encCycles: +m[5], words: +m[6], inStalls: +m[7] };
  }
  const all = members.every((_, i) => results[i] !== undefined);
  return { ok: r.ok && all, output: r.output, results };
}
