// dctcm_dec_parse: the decoder's combinational record parser (the one-cycle context loop).
import { Derived } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { makeModule } from '../render.js';
import { decWidths, shiftRows } from './dec_common.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, vec } from './types.js';

export function buildDecParse(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const w = decWidths(d);
  const S = w.W + 1;
  const rankEntries: { key: number; keyW: number; val: number; valW: number }[] = [];
  const escEntries: { key: number; keyW: number; val: number; valW: number }[] = [];
  for (let k = 0; k < S; k++) {
    d.rankOrder[k].forEach((L, j) => rankEntries.push({ key: k * 8 + j, keyW: w.CTXW + 3, val: L, valW: w.CTXW }));
    d.escLen[k].forEach((L, e) => {
      if (e < 2 ** w.ESCW) escEntries.push({ key: k * 2 ** w.ESCW + e, keyW: w.CTXW + w.ESCW, val: 2 ** w.CTXW + L, valW: w.CTXW + 1 });
    });
  }
  if (bitLength(w.C) !== bitLength(w.NB) + Math.log2(w.N)) throw new Error('dctcm_dec_parse: N must be a power of two');
  const escWin = Math.min(w.CAP, w.C * w.escBits + w.ESCW);
  const sideWin = Math.min(w.CAP, w.NB * (w.N + w.CWB));
  // Payload fields: a channel's field starts at most i * maxLen into its block (i = its place in the
  // block; a width field above CWM still moves the offsets by its value, and then raises an error), and
  // reads at most fieldW bits; the bit after the record is at most N * maxLen into the last block.
  const maxLen = Math.max(w.W, 2 ** w.CWB - 1);
  const fieldW = Math.max(w.W, w.CWM);
  const blockWin = w.N * maxLen + fieldW;
  // Mode planes 2 and 3 hold at most 2*NB bits; the rank planes at most RANKS*C bits after them, and
  // they start 0..2*NB bits after plane 1: one source of RANKS*C + 2*NB bits shifted by that length.
  const modeWin = 2 * w.NB;
  const rankWin = w.RANKS * w.C;
  const rankPad = 2 * w.NB;
  const modeLo = 1 + w.NB;
  const srcHi = modeLo + rankWin + rankPad; // one past the last bit the rank planes can need
  if (modeLo + modeWin > w.CAP) throw new Error('dctcm_dec_parse: the mode planes do not fit the buffer');
  const rankSrc = srcHi <= w.CAP ? `bits[${modeLo} +: ${rankWin + rankPad}]` : `{ ${srcHi - w.CAP}'d0, bits[${w.CAP - 1}:${modeLo}] }`;
  const blockOffW = bitLength(blockWin - 1);
  // Windows at a section start: bits[0 +: hi + out] >> pos, with hi the largest start the section can
  // have for any input (malformed ones included: rank planes end by PLANES_END, escapes take
  // C * escBits, side information NB * (N + CWB), a block's payload N * MAXL), so the shift amount is
  // only pos's low bitLength(hi) bits. The source is zero beyond the buffer, as bits >> pos is.
  const hiEsc = w.PLANES_END;
  const hiSide = hiEsc + w.C * w.escBits;
  const sideMax = w.dct ? w.NB * (w.N + w.CWB) : 0; // no side information without the DCT
  const hiBlock = hiSide + sideMax + (w.NB - 1) * w.N * maxLen;
  const srcOf = (len: number) => (len <= w.CAP ? `bits[${len - 1}:0]` : `{ ${len - w.CAP}'d0, bits }`);
  const window = (name: string, what: string, outW: number, hi: number, srcName: string) => ({
    name,
    what,
    srcName,
    inW: hi + outW,
    outW,
    amtW: Math.max(1, bitLength(hi)),
    src: srcOf(hi + outW),
    hi,
  });
  const windows = [
    window('take_esc', 'escape fields', escWin, hiEsc, 'esc_src'),
    window('take_side', 'DCT side information', sideWin, hiSide, 'side_src'),
    window('take_block', 'a block payload', blockWin, hiBlock, 'block_src'),
  ].filter((t) => (t.name !== 'take_esc' || w.escBits > 0) && (t.name !== 'take_side' || w.dct));
  const takers = [
    ...windows.map((t) => taker(t.name, t.srcName, t.inW, t.outW, t.amtW)),
    taker('take_field', 'the block window', blockWin, fieldW, bitLength(blockWin - 1)),
  ];
  const block = windows.find((t) => t.name === 'take_block')!;
  const maskOf = (v: number) => 2 ** Math.max(1, bitLength(v)) - 1;
  const blockAmtMasks = Array.from({ length: w.NB }, (_, b) => ({ b, mask: maskOf(hiSide + sideMax + b * w.N * maxLen) }));
  const fieldAmtMasks = Array.from({ length: w.N }, (_, i) => ({ i, mask: i === 0 ? 0 : maskOf(i * maxLen) }));
  // The highest buffer bit any window reads; the bits above (room for the next word) are never parsed.
  const reach = Math.max(srcHi, modeLo + modeWin, ...windows.map((t) => t.inW));
  const incs = [
    { name: 'inc_m', width: bitLength(modeWin) },
    { name: 'inc_b', width: bitLength(w.NB) },
    { name: 'inc_u', width: bitLength(w.C) },
  ];
  const ctx = {
    w,
    incs,
    tailLo: reach < w.CAP ? reach : 0,
    tailHi: w.CAP - 1,
    takers,
    windows,
    blockAmtMasks,
    blockAmtAll: 2 ** block.amtW - 1,
    fieldAmtMasks,
    fieldAmtAll: 2 ** bitLength(blockWin - 1) - 1,
    escAmtW: windows.find((t) => t.name === 'take_esc')?.amtW ?? 1,
    sideAmtW: windows.find((t) => t.name === 'take_side')?.amtW ?? 1,
    blockAmtW: windows.find((t) => t.name === 'take_block')!.amtW,
    modeWin,
    modeLo,
    modeIdxW: bitLength(modeWin),
    modeReadW: Math.max(1, bitLength(modeWin - 1)),
    rankWin,
    rankPad,
    rankSrc,
    uW: bitLength(w.C),
    blockCountW: bitLength(w.NB),
    logN: Math.log2(w.N),
    planeIdxW: Math.max(1, bitLength(w.C - 1)),
    escWin,
    sideWin,
    maxLen,
    fieldW,
    blockWin,
    blockOffW,
    fieldLenW: bitLength(maxLen),
    ctxLenSub: 1 - w.SG, // a CTX field of length L > 0: sign (if signed) and L - 1 mantissa bits
    wm1: w.W - 1,
    ctxBits: w.C * w.CTXW,
    valBits: w.C * w.VW,
    mode2At: 1 + w.NB,
    sideStep: w.N + w.CWB,
    vwPad: w.VW > w.CWM,
    widthCheck: w.dct && 2 ** w.CWB - 1 > w.CWM,
    dct: w.dct,
    rankEntries,
    escEntries,
    shiftEntries: shiftRows(d),
  };
  const description = [
    'Record parser of the decoder: one pixel record (docs/FORMAT.md section 4) parsed combinationally',
    'from the head of the bit buffer and the per-channel contexts. Mode plane 1 (1 = CTX), plane 2 over',
    'the non-CTX blocks (0 = ZERO), plane 3 over the others (0 = RAW, 1 = DCT); rank planes 0..RANKS-1',
    '(one bit per still-undecided CTX value, 1 = rank j); escape fields; per DCT block N mask bits and',
    'the coefficient width; payloads (CTX: sign if signed and L-1 mantissa bits; RAW: W bits; DCT: N',
    'coefficients of wc bits). Each section is read from a window taken at its start (the shift only as',
    'wide as the starts any input can give); a field is a small mux inside its window at a prefix count.',
    'Errors are reported only for fields that end at or below count, in the priority decodeTile meets',
    'them (escape, DCT width, value); a record longer than count is the caller\'s overrun.',
    ...(w.dct
      ? []
      : ['Built without the DCT: a DCT block (mode plane 3 = 1) is only flagged on mode_dct; no side information or', 'coefficients are parsed (the record is then an error, NO_DCT).']),
    'Latency: 0 (combinational).',
  ];
  const ports: Port[] = [
    vec('input', 'bits', w.CAP, 'bit buffer, next unread bit (the present bit) at bit 0, zeros above count'),
    vec('input', 'count', w.OFFW, 'valid bits in the buffer (the data limit once the trailer word is in)'),
    vec('input', 'ctx', ctx.ctxBits, `context of channel c in bits [c*${w.CTXW} +: ${w.CTXW}]`),
    vec('input', 'shift', 4, "the tile's quantization shift s (<= W - 1)"),
    ...asReg([
      vec('output', 'rec_len', w.OFFW, 'record length, present bit included'),
      bit('output', 'next_bit', 'the bit after the record: 0 = end-of-tile marker'),
      vec('output', 'mode_ctx', w.NB, 'block b is CTX'),
      vec('output', 'mode_raw', w.NB, 'block b is RAW'),
      vec('output', 'mode_dct', w.NB, w.dct ? 'block b is DCT (none of the three: ZERO)' : 'block b is DCT, an error in this build: its fields are not parsed (none of the three: ZERO)'),
      vec('output', 'value', ctx.valBits, `channel c in [c*${w.VW} +: ${w.VW}]: CTX index, RAW value${w.dct ? ' or DCT coefficient' : ''}, signed`),
      ...(w.dct ? [vec('output', 'mask', w.C, 'DCT zero mask (1 = non-zero), 0 outside DCT blocks')] : []),
      vec('output', 'ctx_next', ctx.ctxBits, "contexts for the next pixel (decodeTile's ctx update)"),
      bit('output', 'err_escape', 'an escape field below count names no unranked length'),
      ...(w.dct ? [bit('output', 'err_width', 'a DCT width field below count exceeds CWM')] : []),
      bit('output', 'err_value', 'a CTX value field below count is outside [qMin, qMax]'),
    ]),
  ];
  return makeModule('dec_parse', d, prefix, { ports, ctx, description, deps: [], latency: 0, throughput: 'combinational: one record per cycle' });
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
 * instead of each being as wide as x: a synthesis tool is handed a fraction of the bits.
 */
function taker(name: string, inName: string, inW: number, outW: number, amtW: number) {
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
