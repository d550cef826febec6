// dctcm_decoder: the tile stream decoder, bit-exact with decodeTile of golden/tile.ts, and its
// submodules dctcm_dec_parse (record parser), dctcm_dec_recon (reconstruction) and dctcm_idct.
import { DRAIN_SLOTS, Derived, TILE_MAGIC } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { bitLength } from '../../golden/intmath.js';
import { DEC_ERRORS, DEC_FORMAT, STATUS_CODE_BITS, TUSER_BITS, decWidths } from './dec_common.js';
import { buildIdct } from './idct.js';
import { DCT_LATENCY } from './dct.js';
import { buildDecParse, taker } from './dec_parse.js';
import { buildDecRecon } from './dec_recon.js';
import { CombPath, DEFAULT_PREFIX, Module, Port, bit, moduleNames, vec } from './types.js';

/**
 * Cycles from the clock edge that takes a record into stage 1 to m_axis_tvalid of its pixel: stage 1,
 * then dctcm_idct's stages (the other blocks' values beside them), or without the DCT the same two
 * registers (stage 2 waits for the verdict of stage 1's value check, then the output register).
 */
export function decoderLatency(d: Derived): number {
  return 1 + (d.cfg.dct ? DCT_LATENCY : 2);
}

export function decoderDescription(d: Derived, prefix: string = DEFAULT_PREFIX): string[] {
  const w = decWidths(d);
  const names = moduleNames(prefix);
  const lines = [
    'DCT-CM tile decoder: compressed tile words in, pixel vectors out, bit-exact with decodeTile of',
    'golden/tile.ts (docs/FORMAT.md).',
    '',
    'Architecture:',
    `- Bit buffer of ${w.CAP} bits: the longest slot (${w.SLOTMAX} bits) plus one ${w.B}-bit word, held as a ring of`,
    `  ${ringWords(w)} words (a word is written in place at head + count) and a registered window of the ${w.CAP - w.B} bits at`,
    '  the head (bits at and above the count are stale). The next window is taken from the ring in two',
    '  steps, whole words then bits, at the head the cycle moves to if stage 1 can take a beat (a',
    '  register, computed the cycle before from the next state, as are the "slot is in" flag and the',
    '  ring word enables); if the head then stays, the window is a cycle late and the next cycle',
    '  rotates it to the head (a cycle lost after a stall with a slot ready).',
    '  s_axis_tready (a register) is high while a whole word fits, so every state that waits for input',
    '  can take a word: the decoder never deadlocks, whatever the input.',
    "  The tlast (trailer) word is not buffered: its fields are kept aside and the buffer's bit count",
    '  becomes the data limit of the tile. After the tlast word no further word is taken until the tile',
    '  has ended (a few idle cycles between tiles: end check, next header).',
    w.dct
      ? `- Header: ${DEC_FORMAT.headerBits} bits, checked in the order magic, version ${DEC_FORMAT.version}, shift <= W - 1, configuration tag (0x${w.TAG.toString(16)}, or 0x${w.NODCT_TAG.toString(16)} of a no-DCT build, whose tiles must hold no DCT block), then the pixel count n.`
      : `- Header: ${DEC_FORMAT.headerBits} bits, checked in the order magic, version ${DEC_FORMAT.version}, shift <= W - 1, configuration tag (0x${w.TAG.toString(16)}, this configuration built without the DCT), then the pixel count n.`,
    ...(w.dct ? [] : ['- Built without the DCT (gen-rtl --no-dct): a DCT block (mode plane 3 = 1) ends the tile with NO_DCT.']),
    `- Slot parser (${names.dec_parse}), one slot per cycle: slot t holds level k of record t - O[k],`,
    `  O = (${DEC_FORMAT.offsets.join(', ')}). Its length and every level's offset in it are registers computed`,
    '  in the step before, so the position loop is head += slot_len once the slot\'s bits are in',
    '  (count >= slot_len). One unit per level reads its window of the slot and the state the unit below',
    '  left for that record in a delay line (block RAM); the per-channel context table is the only other loop',
    '  (one record per slot, at level 6).',
    '  A slot taken goes into the parser\'s X registers (each level\'s window) and is committed (the level',
    '  units, the record state) with the next step, or by a flush after the tile\'s last slot.',
    `  The pixel of record t - ${DEC_FORMAT.offsets[DEC_FORMAT.offsets.length - 1]} (its top level in slot t) goes into stage 1 as slot t is committed:`,
    "  stage 1's data are the parser's P7 registers (level-7 fields and the record's state); its values",
    '  are formed from them in the next cycle.',
    `- The tile's shift is kept in ${bitLength(Math.min(15, w.W - 1))} bits (s <= W - 1); the cores' 4-bit shift ports get zeros above.`,
    ...(w.dct
      ? [
          `- Stage 1 register (parsed pixel) -> ${names.idct} per block (inverse DCT + clamp + mask, ${DCT_LATENCY}`,
          `  register stages) in parallel with ${names.dec_recon} (dequantize CTX, RAW values) and ${DCT_LATENCY}`,
          '  registers; the last stage is m_axis. One global advance (the cores\' ce): every stage moves when',
          '  the output register is free or taken this cycle.',
        ]
      : [
          `- Stage 1 register (parsed pixel) -> ${names.dec_recon} (dequantize CTX, RAW values) -> stage 2 register`,
          '  (while the verdict of the value check arrives) -> output register (m_axis). One global advance:',
          '  every stage moves when the output register is free or taken this cycle.',
        ]),
    `- End of tile: after slot n + ${DEC_FORMAT.offsets[DEC_FORMAT.offsets.length - 1]} - 1 the padding up to the trailer must be zero and shorter than`,
    '  a word; the trailer must hold n (mod 2^16) and the XOR of all 16-bit halves of the words before',
    '  it, and nothing above bit 31.',
    '',
    `Latency: ${decoderLatency(d)} cycles from the clock edge that moves a record into stage 1 (the commit of its top-level slot)`,
    `to its pixel on m_axis (tvalid); a record's top level is ${DEC_FORMAT.offsets[DEC_FORMAT.offsets.length - 1]} slots after its level 0; for a tile's last`,
    'pixel, from the cycle its trailer is checked.',
    'Throughput: one slot per clock while m_axis_tready is high and words arrive as fast as slot bits',
    `are used (slots <= ${w.B} bits): n + ${DEC_FORMAT.offsets[DEC_FORMAT.offsets.length - 1]} slots per tile of n pixels, plus the header and trailer cycles.`,
    'Loops: the position and credit loop (count and head, from registers) and the context table (level',
    '6 of record r gives ctx(r + 1)). The step does not wait for the slot\'s field checks: levels 2 and',
    '6 are checked on the slot as it is committed and registered, a failure ending the tile the cycle',
    'after, before that pixel leaves stage 1; level 7 (CTX values) is checked on the pixel in stage 1 in its first cycle',
    'there and registered, a failure ending the tile the cycle after, the pixel then dropped in stage 2',
    '(the end-of-tile and OVERRUN checks wait for that verdict). So the beats are those of checking',
    'first; only the status beat comes later. The',
    'clock-limiting paths: docs/RTL.md, decoder. m_axis_tready reaches every stage enable',
    'combinationally (global advance), never s_axis_tready.',
    'Lane order: channel c in m_axis_tdata[c*W +: W]; unit u of a word in s_axis_tdata[u*32 +: 32].',
    '',
    'Per-tile status: every tile ends with exactly one m_axis beat with tlast, and m_axis_tuser says how',
    `it ended: tuser[${STATUS_CODE_BITS}] = status beat (no pixel, tdata = 0), tuser[${STATUS_CODE_BITS - 1}:0] = the tile's status code.`,
    '  tuser = 0 on every beat of a good tile; its last pixel carries tlast (held in stage 1 until the',
    '  trailer has been checked).',
    '  A tile with an error: the pixels decoded before the error (tuser = 0, no tlast), then a status',
    '  beat with tlast and the error code. Those pixels can be wrong (the checksum is only known at the',
    '  trailer): a consumer discards or recomputes the whole tile.',
    'Errors (status codes; error is high from the first error until rst, error_code keeps its code):',
  ];
  for (const e of DEC_ERRORS) lines.push(`  ${String(e.code).padStart(2)} ${e.name}: ${e.text}`);
  lines.push(
    'After an error the status beat closes the tile, input words are dropped up to and including the',
    'next tlast word (unless it has already arrived), and the next tile decodes normally.',
  );
  return lines;
}

/** Words in the decoder's buffer ring: the smallest power of two whose words hold CAP bits. */
export function ringWords(w: { CAP: number; B: number }): number {
  let M = 2;
  while (M * w.B < w.CAP) M *= 2;
  return M;
}

/**
 * Cycles a tile costs the decoder beyond one per pixel: its drain (DRAIN_SLOTS slots carrying only the
 * last records' upper levels), the trailer word, the flush of the last slot from the parser's X
 * registers, the wait for the last pixel's value check, the
 * end-of-tile check, the next header word and its check (no word is taken after a tlast word until the
 * tile has ended).
 */
export const DECODER_TILE_CYCLES = DRAIN_SLOTS + 6;

/** What an integrator budgets for the decoder (manifest integration.throughput; checked in test/rtl/prefix-pair.test.ts). */
export function decoderRate(d: Derived): { perPixel: string; perTileCycles: number; longRecordExtraCycles: number; latencyCycles: number } {
  const B = d.cfg.busWidth;
  return {
    perPixel:
      `max(1, slot bits / ${B}) cycles per slot, n + ${DRAIN_SLOTS} slots per tile of n pixels (a slot holds one level of each of 8 records: ` +
      `on average a record's bits); a slot longer than ${B} bits takes up to ceil(bits / ${B}) + 1 cycles (the buffer takes no word in a cycle it starts full)`,
    perTileCycles: DECODER_TILE_CYCLES,
    longRecordExtraCycles: 1,
    latencyCycles: decoderLatency(d),
  };
}

/** Ports of the decoder top (docs/RTL.md, Interfaces). */
export function decoderPorts(d: Derived): Port[] {
  const w = decWidths(d);
  return [
    bit('input', 'clk'),
    bit('input', 'rst', 'synchronous, active high'),
    vec('input', 's_axis_tdata', w.B, 'tile stream word: bit i of the tile = bit i mod B of word i / B'),
    bit('input', 's_axis_tvalid'),
    bit('output', 's_axis_tready'),
    bit('input', 's_axis_tlast', "on the tile's trailer word"),
    vec('output', 'm_axis_tdata', w.C * w.W, `pixel: channel c in bits [c*${w.W} +: ${w.W}]${w.signed ? ", two's complement" : ''}`),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast', 'one beat per tile: its last pixel, or its status beat'),
    vec('output', 'm_axis_tuser', TUSER_BITS, `[${STATUS_CODE_BITS}] status beat (no pixel, tdata 0); [${STATUS_CODE_BITS - 1}:0] the tile's status (codes above), 0 = ok`),
    bit('output', 'error', 'sticky until rst: some tile had an error'),
    vec('output', 'error_code', STATUS_CODE_BITS, "the first error's code since rst, 0 = none"),
  ];
}

/**
 * Input-to-output paths of the decoder top without a register: none. s_axis_tready is a function of the
 * state, the bit count and the tlast flag (registers), and every m_axis output comes from the output
 * registers; m_axis_tready only enables registers. Checked with Yosys in test/synth/integration.test.ts.
 */
export const DECODER_COMB_PATHS: CombPath[] = [];

/** The decoder and all its submodules, the top last. */
export function buildDecoder(d: Derived, prefix: string = DEFAULT_PREFIX): Module[] {
  // The other blocks' values ride alongside dctcm_idct in two registers (templates/dctcm_decoder.v.hbs).
  if (DCT_LATENCY !== 2) throw new Error(`dctcm_decoder aligns its pipeline with a 2-cycle dctcm_idct; DCT_LATENCY is ${DCT_LATENCY}`);
  const w = decWidths(d);
  const idct = w.dct ? buildIdct(d, prefix) : null;
  const parse = buildDecParse(d, prefix);
  const recon = buildDecRecon(d, prefix);
  // The buffer: a ring of M words (a power of two, M * B >= CAP) written a word at a time, and the
  // window (its first CAP - B bits from the head, registered) that the header checks and the parser
  // read. The window of the next head is taken from the ring in two steps: whole words (log2 M stages,
  // each keeping only the words the later steps can reach), then bits within a word.
  const WIN = w.CAP - w.B;
  const M = ringWords(w);
  const MW = Math.log2(M);
  const NWIN = Math.ceil((WIN + w.B - 1) / w.B);
  const PBW = bitLength(w.B - 1);
  const rot: { name: string; w: number; k: number; shifted: string; kept: string }[] = [];
  let prev = 'ring_d';
  let prevW = M;
  for (let k = MW - 1; k >= 0; k--) {
    const wk = Math.min(M, NWIN + 2 ** k - 1);
    const sh: string[] = [];
    for (let i = wk - 1; i >= 0; i--) {
      const j = prevW === M ? (i + 2 ** k) % M : i + 2 ** k;
      if (j >= prevW) throw new Error('dctcm_decoder: ring rotation reads beyond its previous step');
      sh.push(`${prev}[${j * w.B + w.B - 1}:${j * w.B}]`);
    }
    rot.push({ name: `rw${k}`, w: wk * w.B, k, shifted: `{ ${sh.join(', ')} }`, kept: wk === prevW ? prev : `${prev}[${wk * w.B - 1}:0]` });
    prev = `rw${k}`;
    prevW = wk;
  }
  const pow2Bus = 2 ** PBW === w.B;
  // the head's bit in its word plus a consumed length (< B + WIN <= M * B)
  const XW = pow2Bus ? PBW + MW : Math.max(bitLength(w.B - 1 + WIN), PBW);
  const consumeW = bitLength(WIN); // a consumed length (a slot or the header) fits: <= WIN
  const zext = (name: string, width: number, to: number) => (width === to ? name : `{ {${to - width}{1'b0}}, ${name} }`);
  const advSteps = pow2Bus ? [] : Array.from({ length: Math.floor((w.B - 1 + WIN) / w.B) }, (_, i) => ({ k: i + 1, v: (i + 1) * w.B }));
  const ctx = {
    w,
    WIN,
    M,
    MW,
    PBW,
    XW,
    pow2Bus,
    advSteps,
    advExpr: `${zext('b', PBW, XW)} + ${zext('n', consumeW, XW)}`,
    consumeW,
    slotLen: zext('p_len', w.LENW, consumeW),
    stepLen: zext('p_len_step', w.LENW, consumeW),
    firstLen: w.NB, // level 0 (mode plane 1) holds NB bits, as the parser's NB_LEN
    rot,
    rotLast: prev,
    winTaker: taker('take_win', 'the ring words at the head', WIN + w.B - 1, WIN, PBW),
    winSrc: `${prev}[${WIN + w.B - 2}:0]`,
    pixBits: w.C * w.W,
    room: w.CAP - w.B,
    roomBus: w.CAP - 2 * w.B >= 0,
    roomBusV: w.CAP - 2 * w.B,
    magic: TILE_MAGIC,
    version: DEC_FORMAT.version,
    hdrBits: DEC_FORMAT.headerBits,
    slotHi: w.SLOTMAX - 1,
    shiftMax: w.W - 1,
    wideBus: w.B > 32,
    shiftCheck: w.W - 1 < 15,
    shw: bitLength(Math.min(15, w.W - 1)),
    scw: STATUS_CODE_BITS,
    scwm1: STATUS_CODE_BITS - 1,
    tuserBits: TUSER_BITS,
    shiftPad: 4 - bitLength(Math.min(15, w.W - 1)),
    // error codes this configuration can raise (a 32-bit trailer word has no bits above 31; W = 16
    // allows every 4-bit shift)
    errors: DEC_ERRORS.filter(
      (e) => (e.name !== 'BAD_TRAILER' || w.B > 32) && (e.name !== 'BAD_SHIFT' || w.W - 1 < 15) && (e.name !== 'BAD_DCT_WIDTH' || w.dct),
    ),
    parseName: parse.name,
    reconName: recon.name,
    idctName: idct?.name,
    idctLatency: DCT_LATENCY,
  };
  const top = makeModule('decoder', d, prefix, {
    ports: decoderPorts(d),
    ctx,
    description: decoderDescription(d, prefix),
    deps: idct ? [parse.base, recon.base, idct.base] : [parse.base, recon.base],
    latency: decoderLatency(d),
    throughput: 'one pixel per clock while m_axis_tready is high and words arrive as fast as record bits are used',
    combPaths: DECODER_COMB_PATHS,
  });
  return idct ? [idct, parse, recon, top] : [parse, recon, top];
}

/** Metadata for the manifest: error codes and the decoder's widths. */
export function decoderMetadata(d: Derived): { latency: number; errorCodes: { code: number; name: string; text: string }[]; bufferBits: number } {
  return { latency: decoderLatency(d), errorCodes: DEC_ERRORS.map(({ code, name, text }) => ({ code, name, text })), bufferBits: decWidths(d).CAP };
}
