// dctcm_enc_pack: encoder stage 4, the bit packer (tile header, records, end bit, padding, trailer).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';
import { clkRst, encWidths, inHandshake, packFields } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

export const PACK_LATENCY = 1;

export function buildEncPack(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const INS = e.REC + 32;
  const CAP = Math.ceil((e.B + INS + 1) / e.B) * e.B;
  const FW = bitLength(CAP);
  const KMAX = CAP / e.B;
  const WLW = bitLength(KMAX);
  const ks = Array.from({ length: KMAX }, (_, i) => i + 1);
  const ctx = {
    B: e.B,
    REC: e.REC,
    OW: e.OW,
    INS,
    CAP,
    FW,
    UNITS: e.B / 32,
    HEADER_LO: e.HEADER_LO & 0xfff,
    TAG: e.TAG,
    KMAX,
    WLW,
    wordEnd: packFields(
      ks.map((k) => k * e.B),
      FW,
    ),
    wordEndW: KMAX * FW,
    wordCount: packFields(ks, WLW),
    wordCountW: KMAX * WLW,
  };
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_rec', e.REC, 'record bits, LSB first, zero above in_bits'),
    vec('input', 'in_bits', e.OW, 'record length'),
    bit('input', 'in_first', 'first record of a tile: the tile header goes first'),
    bit('input', 'in_last', 'last record of a tile: end bit, padding, trailer follow'),
    vec('input', 'in_shift', 4, "the tile's quantization shift (tile header)"),
    ...inHandshake(),
    vec('output', 'm_axis_tdata', e.B),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast'),
  ];
  const description = [
    'Encoder stage 4, the bit packer: tile header (magic, version, shift, configuration tag) before the',
    'first record, records appended LSB first, and after the last record the end bit, zero padding to a',
    `${e.B}-bit boundary and the trailer word (pixel count mod 2^16 | fold16 checksum << 16).`,
    `Takes one record per cycle while what remains after the word sent this cycle is below ${e.B} bits, so a`,
    `record of at most ${e.B} bits costs one cycle and a longer one ceil(bits / ${e.B}) cycles. The next tile's`,
    'records queue behind a pending trailer; only a second tile end waits for it.',
    'A record reaches m_axis one cycle after it is taken.',
  ];
  return makeModule('enc_pack', d, prefix, {
    ports,
    ctx,
    description,
    deps: [],
    latency: PACK_LATENCY,
    throughput: `one record per cycle up to ${e.B} bits, ceil(bits / ${e.B}) cycles for a longer one, one trailer beat per tile`,
  });
}
