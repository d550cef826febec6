// dctcm_dec_parse: the decoder's slot parser for format v2 (docs/design/format-v2.md sections 3 and
// 6.1). Slot t holds level k of record t - O[k]; every length in it comes from levels read at least 4
// slots before, so the slot's length and each level's offset in it are registers when the slot is read.
import { Derived } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { makeModule } from '../render.js';
import { DEC_FORMAT, DEC_LEVELS, decWidths, shiftRows } from './dec_common.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, vec } from './types.js';

/**
 * Cycles between taking a slot and the pixel outputs (modes, values, mask, err_value) of the record whose
 * top level it holds, at the least: 2, the X registers then the P7 registers (the slot is committed with
 * the next step, or by the tile's flush). slot_len, more and last are for the slot at the head
 * (registers); pix_valid and the level-2 and level-6 error flags for the slot in the X registers, valid
 * while xv and read in the commit cycle.
 */
export const PARSE_LATENCY = 2;

export function buildDecParse(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const w = decWidths(d);
  const O = DEC_FORMAT.offsets;
  const S = w.W + 1;
  const rankEntries: { key: number; keyW: number; val: number; valW: number }[] = [];
  const escEntries: { key: number; keyW: number; val: number; valW: number }[] = [];
  for (let k = 0; k < S; k++) {
    d.rankOrder[k].forEach((L, j) => rankEntries.push({ key: k * 8 + j, keyW: w.CTXW + 3, val: L, valW: w.CTXW }));
    d.escLen[k].forEach((L, e) => {
      if (e < 2 ** w.ESCW) escEntries.push({ key: k * 2 ** w.ESCW + e, keyW: w.CTXW + w.ESCW, val: 2 ** w.CTXW + L, valW: w.CTXW + 1 });
    });
  }
  // Shift registers between level units: level k reads the state level k-1 wrote O[k] - O[k-1] slots before.
  const depth = O.map((o, k) => (k === 0 ? 0 : o - O[k - 1]));
  if (depth.slice(1).some((x) => x < 4)) throw new Error('dctcm_dec_parse: every level needs at least 4 slots after the one below (the X registers, then its length registered twice)');
  const offW = w.LOFF.map((o) => Math.max(1, bitLength(o)));
  // Level k's bits: a window of LMAX[k] bits at its offset in the slot (at most LOFF[k]).
  const levels = w.LMAX.map((lmax, k) => ({
    k,
    lmax,
    offW: offW[k],
    taker: k === 0 ? null : taker(`take_l${k}`, 'the slot', w.LOFF[k] + lmax, lmax, offW[k]),
    src: k === 0 ? '' : `bits[${w.LOFF[k] + lmax - 1}:0]`,
  }));
  const FLD = Math.max(w.W - 1 + w.SG, w.CWM); // a payload field read at once (CTX: sign and mantissa; DCT: a coefficient)
  const F7W = bitLength(w.LMAX[7]); // a field's offset in level 7
  // Channel c's field starts after at most c fields of FLD bits, so its taker reads only the bits up to
  // c * FLD + FLD and shifts by bitLength(c * FLD) bits (channel 0's field is at offset 0). A larger
  // offset only comes from a DCT width field above CWM, whose record ends the tile at level 6.
  const fields = Array.from({ length: w.C }, (_, c) => {
    const amtW = Math.min(F7W, bitLength(c * FLD));
    const inW = Math.min(c * FLD, 2 ** amtW - 1) + FLD;
    const src = slice('lev7', w.LMAX[7], 0, inW);
    return amtW === 0
      ? { c, taker: null, expr: slice('lev7', w.LMAX[7], 0, FLD) }
      : { c, taker: taker(`take_field${c}`, 'level 7', inW, FLD, amtW), expr: `take_field${c}(${src}, s7_off[${c * F7W + amtW - 1}:${c * F7W}])` };
  });
  const UW = bitLength(w.C); // a count of channels 0..C
  const IW = Math.max(1, bitLength(w.C - 1)); // a bit index in a C-bit plane
  // Record state between level units: each field a delay line of depth[k] entries, the newest
  // (entry 0, written by unit k-1 in the last step) at the bottom, the oldest (read by unit k) on top.
  const f = (name: string, width: number) => ({ name, width });
  const rankState = [f('pend', w.C), f('rk', 3 * w.C)];
  const modes3 = w.dct ? [f('mraw', w.NB), f('mdct', w.NB)] : [f('mraw', w.NB)];
  const fieldsOf = (k: number) =>
    k === 1
      ? [f('v', 1), f('mctx', w.NB)]
      : k === 2
        ? [f('v', 1), f('mctx', w.NB), f('oth', w.NB), ...rankState]
        : k <= 6
          ? [f('v', 1), f('mctx', w.NB), ...modes3, ...rankState]
          : [f('v', 1), f('mctx', w.NB), ...modes3, f('L', w.C * w.CTXW), f('raw', w.C * w.W), ...(w.dct ? [f('mask', w.C), f('wc', w.NB * w.CWB)] : [])];
  // Fields the U stage reads at entry D - 4 (a level's length, level 7's field offsets): these also go
  // through a short chain of flip-flops; every other entry is only read at the top (by unit k).
  const lenFields: Record<number, string[]> = { 1: ['mctx'], 2: ['oth', 'pend'], 3: ['pend'], 4: ['pend'], 5: ['pend'], 6: ['pend', 'mraw', 'mdct'], 7: ['mctx', 'L', 'mdct', 'wc'] };
  const srs = [1, 2, 3, 4, 5, 6, 7].map((k) => {
    const D = depth[k];
    const lenEntry = D - 4;
    const data = fieldsOf(k).filter((x) => x.name !== 'v');
    return {
      k,
      D,
      vOld: D - 1,
      vKeepHi: D - 2,
      data,
      taps: data
        .filter((x) => lenFields[k].includes(x.name))
        .map((x) => ({
          ...x,
          total: (lenEntry + 1) * x.width,
          lenLo: lenEntry * x.width,
          next: lenEntry === 0 ? `n${k}_${x.name}` : `{ ep${k}_${x.name}_q[${lenEntry * x.width - 1}:0], n${k}_${x.name} }`,
        })),
      // The state moves on commit, a cycle after the slot's step (the X registers between): at a step the
      // record whose level k is in the slot after the head is at entry D - 3, and its length is computed a
      // commit before, from entry D - 4.
      nextV: D - 3,
      lenEntry,
      offW: offW[k],
    };
  });
  // The record state's entries 1 .. D - 1 are block RAM, not flip-flops: on the iCE40 a flip-flop fed by a
  // flip-flop takes a logic cell of its own (about 1100 cells at C8 N8 W8). Entry D - 1 (what unit k
  // reads) is the registered read of a memory of D entries written with unit k - 1's output, read one
  // address ahead of the write: the entry written D - 1 commits before. Levels of one depth share a
  // memory (one enable, one pointer), so the narrow ones fill the same block RAMs. The top level's state
  // is only copied into the P7 registers at the commit, so its memory is one entry deeper and its read
  // register is the P7 register (read as p7_<field>). Only the valid bits, which the tile's restart
  // clears, stay a shift register.
  const TOP = DEC_LEVELS - 1;
  const groups = new Map<string, typeof srs>();
  for (const r of srs) {
    const key = r.k === TOP ? 'top' : `d${r.D}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rams = [...groups.values()].map((members, id) => {
    const depth = members[0].D + (members[0].k === TOP ? 1 : 0);
    let lo = 0;
    const parts: { k: number; name: string; width: number; lo: number }[] = [];
    for (const r of members) for (const x of r.data) { parts.push({ k: r.k, name: x.name, width: x.width, lo }); lo += x.width; }
    return {
      id,
      depth,
      depthM1: depth - 1,
      width: lo,
      PW: bitLength(depth - 1),
      levelsText: (members.length > 1 ? 'levels ' : 'level ') + members.map((r) => r.k).join(', '),
      parts,
      wexpr: parts.map((x) => `n${x.k}_${x.name}`).reverse().join(', '), // a concatenation: the highest part first
    };
  });
  // where each field of each level sits: its memory and its lowest bit there
  const partOf = new Map(rams.flatMap((m) => m.parts.map((p) => [`${p.k}.${p.name}`, { id: m.id, lo: p.lo }] as const)));
  const srData = srs.map((r) => ({
    ...r,
    data: r.data.map((x) => {
      const part = partOf.get(`${r.k}.${x.name}`)!;
      return { ...x, ram: part.id, lo: part.lo, rd: r.k === TOP ? `p${r.k}_${x.name}` : `s${r.k}_${x.name}`, top: r.k === TOP };
    }),
  }));
  // The slot's level offsets and length: prefix sums of the level lengths a0..a7 (templates: a<k>), each
  // a sum of aligned power-of-two blocks b<i>_<j> = a_i + .. + a_(j-1), so no sum is more than 3 adders deep.
  const pre = prefixSums(DEC_LEVELS);
  const srsOut = srData.map((r) => ({ ...r, offSum: pre.sums[r.k] }));
  const OFFS = w.C * bitLength(w.LMAX[7]);
  const ctx = {
    w,
    O,
    srs: srsOut,
    prefixNodes: pre.nodes,
    lenSum: pre.sums[DEC_LEVELS],
    rams,
    rankLevels: [3, 4, 5].map((k) => ({ k, j: k - 1, next: k + 1 })),
    OFFS,
    P6W: bitLength(w.LMAX[6]),
    depth,
    levels,
    lvl: (k: number) => levels[k],
    takers: [...levels.filter((l) => l.taker).map((l) => l.taker!), ...fields.filter((x) => x.taker).map((x) => x.taker!)],
    fieldWins: fields.map((x) => x.expr).reverse(), // a concatenation: channel C - 1 first
    escWin: slice('lev6', w.LMAX[6], 0, w.C * w.ESCW),
    FLD,
    F7W,
    UW,
    IW,
    BCW: bitLength(w.NB),
    drain: O[DEC_LEVELS - 1],
    fieldLenW: bitLength(Math.max(w.W, 2 ** w.CWB - 1)),
    ctxLenSub: 1 - w.SG,
    ctxBits: w.C * w.CTXW,
    valBits: w.C * w.VW,
    sideStep: w.N + w.CWB,
    rawStep: w.N * w.W,
    vwPad: w.VW > w.CWM,
    widthCheck: w.dct && 2 ** w.CWB - 1 > w.CWM,
    dct: w.dct,
    rankEntries,
    escEntries,
    shiftEntries: shiftRows(d),
    rankNone: w.RANKS,
    wm1: w.W - 1,
    // slot t of a tile of n pixels exists for t < n + O[7]; 17 bits hold 65535 + O[7]
    TW: bitLength(2 ** DEC_FORMAT.countBits - 1 + O[DEC_LEVELS - 1]),
    NW: DEC_FORMAT.countBits,
  };
  const description = [
    'Slot parser of the format-v2 decoder (docs/design/format-v2.md 3 and 6.1). Slot t of a tile holds',
    'level k of record t - O[k], O = (' + O.join(', ') + '), levels: 0 mode plane 1; 1 mode plane 2 and rank',
    'plane 0; 2 mode plane 3 and rank plane 1; 3-5 rank planes 2-4; 6 escapes, DCT side information and RAW',
    'payloads; 7 CTX payloads and DCT coefficients. slot_len and every level offset in the slot are',
    'registers, computed in the step before from lengths registered a commit earlier, so the',
    "decoder's position loop is pos += slot_len; more and last are registers too. A slot taken (step) goes",
    'into the X registers, each level\'s window of it at its offset; it is committed a cycle later, with the',
    'next step or alone to flush the tile\'s last slot: one level unit per level reads its X window and',
    'the state the unit below left for that record in a delay line O[k] - O[k-1] commits deep, and the',
    'state moves on (each line a block RAM with a registered read, levels of one depth sharing one; only',
    'the valid bits, which a restart clears, and the entries the lengths read are flip-flops). The length',
    'of the record\'s next level is computed from that state as it moves along (the U stage).',
    'The context table ctx_q is the only other loop: level 6 of record r (escapes, with ctx(r) from the',
    'record before) gives each value\'s bit length L and ctx(r + 1), one record per commit. Level 7 of',
    'record t - O[7] (in slot t): each channel\'s field is taken from the X window and registered with',
    "the record's state when slot t is committed (the P7 registers); the modes, values, mask and",
    'err_value outputs are formed from those registers in the next cycle.',
    'pix_valid, err_nodct (level 2), err_escape and err_width (level 6) are for the slot in the X',
    'registers (read when it is committed); err_value (a CTX value out of range, level 7) for the record',
    'in the P7 registers. Reading order: level 2, 6, 7.',
    ...(w.dct ? [] : ['Built without the DCT: a DCT block (mode plane 3 = 1) is flagged on err_nodct; no side information or coefficients are parsed.']),
    'Latency: 2 at the least for the pixel outputs (X, then the P7 registers at the commit); slot_len,',
    'more and last are for the slot at the head.',
  ];
  const ports: Port[] = [
    bit('input', 'clk'),
    bit('input', 'rst', 'synchronous, active high'),
    vec('input', 'bits', w.SLOTMAX, 'head of the bit buffer: the slot at the head starts at bit 0'),
    bit('input', 'start', 'the tile header is taken this cycle: hdr_n pixels, slot 0 next'),
    vec('input', 'hdr_n', ctx.NW, "the header's pixel count (used with start)"),
    bit('input', 'restart', 'the tile ends (an error or its trailer): clear every record'),
    bit('input', 'step', 'the slot at the head is taken this cycle (its slot_len bits are in bits) into the X registers'),
    bit('input', 'commit', 'the slot in the X registers is parsed this cycle (with every step while xv, or alone to flush it)'),
    vec('input', 'shift', 4, "the tile's quantization shift s (<= W - 1)"),
    ...(w.dct ? [bit('input', 'nodct', "the tile carries the no-DCT tag: a DCT block in it is an error")] : []),
    vec('output', 'slot_len', w.LENW, 'length of the slot at the head (a register)'),
    vec('output', 'slot_len_step', w.LENW, 'the length slot_len takes at a step (of the slot after the head; from registers only)'),
    bit('output', 'xv', 'the X registers hold a slot taken and not yet committed (a register)'),
    bit('output', 'more', 'a slot of the tile is left to take'),
    bit('output', 'more_step', 'more after a step (from registers only)'),
    bit('output', 'last', "the slot at the head is the tile's last"),
    ...asReg([
      bit('output', 'pix_valid', 'the slot in the X registers carries the top level of a record: its pixel is on the outputs below the cycle after it is committed'),
      vec('output', 'mode_ctx', w.NB, 'block b is CTX'),
      vec('output', 'mode_raw', w.NB, 'block b is RAW'),
      ...(w.dct ? [vec('output', 'mode_dct', w.NB, 'block b is DCT (none of the three: ZERO)')] : []),
      vec('output', 'value', ctx.valBits, `channel c in [c*${w.VW} +: ${w.VW}]: CTX index, RAW value${w.dct ? ' or DCT coefficient' : ''}, signed`),
      ...(w.dct ? [vec('output', 'mask', w.C, 'DCT zero mask (1 = non-zero), 0 outside DCT blocks')] : []),
      bit('output', 'err_nodct', w.dct ? 'a DCT block in a no-DCT tile (mode plane 3, level 2)' : 'a DCT block (mode plane 3, level 2): this build has no DCT'),
      bit('output', 'err_escape', 'an escape field names no unranked length (level 6; the slot in the X registers, as err_nodct and err_width)'),
      ...(w.dct ? [bit('output', 'err_width', 'a DCT width field exceeds CWM (level 6)')] : []),
      bit('output', 'err_value', 'a CTX value of the record in the P7 registers is outside [qMin, qMax] (level 7)'),
    ]),
  ];
  return makeModule('dec_parse', d, prefix, { ports, ctx, description, deps: [], latency: PARSE_LATENCY, throughput: 'one slot per cycle' });
}

/** name[lo +: w] of a width-bit signal, zeros beyond its top (as a right shift brings in). */
function slice(name: string, width: number, lo: number, w: number): string {
  if (lo >= width) return `{${w}{1'b0}}`;
  const have = Math.min(w, width - lo);
  const part = have === width ? name : `${name}[${lo + have - 1}:${lo}]`;
  return have === w ? part : `{ {${w - have}{1'b0}}, ${part} }`;
}

/**
 * A window taker, (x >> a)[outW-1:0], as amtW mux steps, the largest first. After step k only the bits
 * the smaller steps and the result can reach are kept (outW + 2^k - 1), so the steps narrow geometrically
 * instead of each being as wide as x.
 */
export function taker(name: string, inName: string, inW: number, outW: number, amtW: number) {
  const stages: { t: string; w: number; k: number; shifted: string; kept: string }[] = [];
  let prev = 'x';
  let prevW = inW;
  for (let k = amtW - 1; k >= 0; k--) {
    const w = Math.min(outW + 2 ** k - 1, Math.max(outW, prevW));
    stages.push({ t: `t${k}`, w, k, shifted: slice(prev, prevW, 2 ** k, w), kept: slice(prev, prevW, 0, w) });
    prev = `t${k}`;
    prevW = w;
  }
  return { name, inName, inW, outW, amtW, stages, last: slice(prev, prevW, 0, outW) };
}

/**
 * Prefix sums of n terms a0..a(n-1) as a tree: block nodes b<i>_<j> (the sum of a_i .. a_(j-1), aligned
 * power-of-two blocks, each the sum of its two halves) and sums[k] = a0 + .. + a(k-1) for k = 1..n as
 * the sum of the blocks of k's binary decomposition (at most log2 n + 1 terms, added as a balanced pair
 * where there are two or more). n a power of two.
 */
export function prefixSums(n: number): { nodes: { name: string; expr: string }[]; sums: string[] } {
  const nodes: { name: string; expr: string }[] = [];
  const block = (i: number, j: number): string => (j - i === 1 ? `a${i}` : `b${i}_${j}`);
  for (let size = 2; size <= n; size *= 2)
    for (let i = 0; i + size <= n; i += size) nodes.push({ name: block(i, i + size), expr: `${block(i, i + size / 2)} + ${block(i + size / 2, i + size)}` });
  const sums: string[] = [''];
  for (let k = 1; k <= n; k++) {
    const parts: string[] = [];
    let i = 0;
    for (let size = n; size >= 1; size /= 2) if (k - i >= size) { parts.push(block(i, i + size)); i += size; }
    sums.push(balanced(parts));
  }
  return { nodes, sums };
}

function balanced(parts: string[]): string {
  if (parts.length === 1) return parts[0];
  const h = Math.ceil(parts.length / 2);
  const l = balanced(parts.slice(0, h));
  const r = balanced(parts.slice(h));
  return `${h > 1 ? `(${l})` : l} + ${parts.length - h > 1 ? `(${r})` : r}`;
}
