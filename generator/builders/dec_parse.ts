// dctcm_dec_parse: the decoder's combinational record parser (the one-cycle context loop).
import { Derived } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { renderModule } from '../render.js';
import { decWidths, shiftRows } from './dec_common.js';
import { Module } from './types.js';

export function buildDecParse(d: Derived): Module {
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
  const headW = Math.min(w.CAP, w.PLANES_END);
  const escWin = Math.min(w.CAP, w.C * w.escBits + w.ESCW);
  const sideWin = Math.min(w.CAP, w.NB * (w.N + w.CWB));
  const blockWin = Math.min(w.CAP, w.N * Math.max(w.W, w.CWM) + w.FW);
  const ctx = {
    w,
    headW,
    headIdxW: Math.max(1, bitLength(headW - 1)),
    escWin,
    sideWin,
    blockWin,
    ctxBits: w.C * w.CTXW,
    valBits: w.C * w.VW,
    mode2At: 1 + w.NB,
    sideStep: w.N + w.CWB,
    vwPad: w.VW > w.CWM,
    widthCheck: 2 ** w.CWB - 1 > w.CWM,
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
    'coefficients of wc bits). Every offset is a running sum, unrolled into prefix sums.',
    'Errors are reported only for fields that end at or below count, in the priority decodeTile meets',
    'them (escape, DCT width, value); a record longer than count is the caller\'s overrun.',
    'Latency: 0 (combinational).',
  ];
  return { name: 'dctcm_dec_parse', text: renderModule('dctcm_dec_parse', d, ctx, description), deps: [], latency: 0 };
}
