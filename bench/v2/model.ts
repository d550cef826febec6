// Format v2 study: the stream layouts of the candidates as bit accounting (how long each step of a
// decoder is in each substream), and an idealised decoder that moves one step per clock behind a B-bit
// bus. Not the format: nothing in golden/ or tools/ imports this folder.
import { Derived } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { GROUPING, LEVELS, TOP, levelMaxBits } from './layout.js';
import { COUNT_BITS, StaggerOptions, offsetsOf, tileSlots } from './staggered.js';

/** What the candidates need of one tile: per record its v1 length, payload length and level lengths. */
export interface TileRecords {
  n: number;
  bits: Int32Array; // [r] v1 record bits, the present bit included
  payload: Int32Array; // [r] v1 payload section
  levels: Int32Array; // [r * LEVELS + k] level k, the present bit included in level 0
}

/**
 * A tile as a decoder walks it: `steps` steps (header, records or slots, end, trailer), each taking
 * stepBits[i * streams + k] bits of substream k. Substreams are padded to B bits each; a decoder
 * asks for their words in the order it needs them (bus order).
 */
export interface TileLayout {
  streams: number;
  steps: number;
  stepBits: Int32Array;
}

export interface Candidate {
  key: string;
  label: string;
  streams: number;
  /** Steps per tile beyond one per pixel (end, drain), header and trailer excluded. */
  extraSteps: (n: number) => number;
  layout: (d: Derived, t: TileRecords) => TileLayout;
  /** Longest step of each substream, for the decoder's buffer. */
  maxStepBits: (d: Derived) => number[];
}

const HEADER = 32;

/** v1's longest record: format 2's (golden Derived.maxRecordBits) and the present bit. */
export function v1MaxRecordBits(d: Derived): number {
  return d.maxRecordBits + 1;
}

function layoutOf(streams: number, steps: number): TileLayout {
  return { streams, steps, stepBits: new Int32Array(steps * streams) };
}

export const V1: Candidate = {
  key: 'a',
  label: 'v1 as is',
  streams: 1,
  extraSteps: () => 1,
  layout(d, t) {
    const L = layoutOf(1, t.n + 2);
    L.stepBits[0] = HEADER;
    for (let r = 0; r < t.n; r++) L.stepBits[1 + r] = t.bits[r];
    L.stepBits[t.n + 1] = 1; // end bit
    return L;
  },
  maxStepBits: (d) => [v1MaxRecordBits(d)],
};

/** Width of the record-length field of candidate b: holds the longest record after its length field. */
export function prefixBits(d: Derived): number {
  return bitLength(v1MaxRecordBits(d));
}

export const PREFIX: Candidate = {
  key: 'b',
  label: 'record-length prefix (present bit -> length field)',
  streams: 1,
  extraSteps: () => 1,
  layout(d, t) {
    const Lb = prefixBits(d);
    const L = layoutOf(1, t.n + 2);
    L.stepBits[0] = HEADER;
    for (let r = 0; r < t.n; r++) L.stepBits[1 + r] = t.bits[r] - 1 + Lb;
    L.stepBits[t.n + 1] = Lb; // a zero length ends the tile
    return L;
  },
  maxStepBits: (d) => [v1MaxRecordBits(d) - 1 + prefixBits(d)],
};

export const SPLIT: Candidate = {
  key: 'c',
  label: 'control and payload substreams',
  streams: 2,
  extraSteps: () => 1,
  layout(d, t) {
    const L = layoutOf(2, t.n + 2);
    L.stepBits[0] = HEADER;
    for (let r = 0; r < t.n; r++) {
      L.stepBits[2 * (1 + r)] = t.bits[r] - t.payload[r];
      L.stepBits[2 * (1 + r) + 1] = t.payload[r];
    }
    L.stepBits[2 * (t.n + 1)] = 1;
    return L;
  },
  maxStepBits: (d) => [v1MaxRecordBits(d), v1MaxRecordBits(d)],
};

/** Level-0 bits of slot t of a staggered tile (record, end marker, filler or none). */
function level0Bits(d: Derived, t: TileRecords, slot: number, o: StaggerOptions): number {
  if (slot < t.n) return t.levels[slot * LEVELS] - (o.presentBits ? 0 : 1);
  return o.presentBits && slot < t.n + o.D ? 1 + d.blocks : 0;
}

/** Staggered sections in one stream (perLevelStreams false) or one substream per level. */
export function staggered(o: StaggerOptions, perLevelStreams = false): Candidate {
  const streams = perLevelStreams ? LEVELS : 1;
  const framing = o.presentBits ? 'v1 framing' : 'count in header';
  const O = offsetsOf(o);
  const top = o.topExtra ? `, top level at ${O[TOP]}` : '';
  return {
    key: `${perLevelStreams ? 'e' : 'd'}${o.D}${o.presentBits ? '' : 'h'}${o.topExtra ? '+' : ''}`,
    label: perLevelStreams ? `one substream per level, D = ${o.D}${top}, ${framing}` : `staggered sections, D = ${o.D}${top}, ${framing}`,
    streams,
    extraSteps: (n) => tileSlots(n, o) - n,
    layout(d, t) {
      const slots = tileSlots(t.n, o);
      const L = layoutOf(streams, slots + 1);
      L.stepBits[0] = HEADER + (o.presentBits ? 0 : COUNT_BITS);
      for (let s = 0; s < slots; s++) {
        const row = (1 + s) * streams;
        L.stepBits[row] += level0Bits(d, t, s, o);
        for (let k = 1; k < LEVELS; k++) {
          const r = s - O[k];
          if (r >= 0 && r < t.n) L.stepBits[row + (perLevelStreams ? k : 0)] += t.levels[r * LEVELS + k];
        }
      }
      return L;
    },
    maxStepBits(d) {
      const m = levelMaxBits(d, GROUPING, o.presentBits);
      return perLevelStreams ? m : [m.reduce((a, b) => a + b, 0)];
    },
  };
}

/** Words of a tile (each substream padded to B, plus the trailer word). */
export function tileWords(L: TileLayout, B: number): number {
  let words = 1;
  for (let k = 0; k < L.streams; k++) {
    let bits = 0;
    for (let i = 0; i < L.steps; i++) bits += L.stepBits[i * L.streams + k];
    words += Math.ceil(bits / B);
  }
  return words;
}

/** Growable Int32 array. */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/**
 * The idealised decoder of one stream of tiles (a tensor): per clock the bus delivers one B-bit word
 * into a buffer of F words if there is room, and the decoder executes one step if every word it needs
 * has arrived in an earlier clock; a word leaves the buffer after the last step that reads it.
 */
export class BusModel {
  private need = new IntList(); // [step] words (bus order, from the stream start) that must have arrived
  private release = new IntList(); // [step] words no longer needed after it
  private words = 0;

  constructor(
    readonly B: number,
    readonly F: number,
  ) {}

  /** Appends a tile: its steps, then a trailer step that reads the trailer word. */
  addTile(L: TileLayout): void {
    const { streams: S, steps, stepBits } = L;
    // every word of every substream: the first step that reads it and the step after which it is done
    const first: number[] = [];
    const last: number[] = [];
    const stream: number[] = [];
    const trailerStep = steps;
    for (let k = 0; k < S; k++) {
      const base = first.length;
      let end = 0;
      let jFirst = 0; // next word of substream k not yet read
      let jLast = 0; // next word of substream k not yet done
      for (let i = 0; i < steps; i++) {
        end += stepBits[i * S + k];
        for (; jFirst * this.B < end; jFirst++) {
          first.push(i);
          last.push(trailerStep); // a word that ends partly filled (padding) is done with the tile
          stream.push(k);
        }
        for (; (jLast + 1) * this.B <= end; jLast++) last[base + jLast] = i;
      }
    }
    const order = first.map((_, w) => w).sort((a, b) => first[a] - first[b] || stream[a] - stream[b]);
    const needAt = new Int32Array(steps + 1);
    const releaseAt = new Int32Array(steps + 1);
    for (const w of order) needAt[first[w]]++;
    for (let w = 0; w < last.length; w++) releaseAt[last[w]]++;
    needAt[trailerStep]++; // the trailer word
    releaseAt[trailerStep]++;
    let cum = this.words;
    for (let i = 0; i <= steps; i++) {
      cum += needAt[i];
      this.need.push(cum);
      this.release.push(releaseAt[i]);
    }
    this.words = cum;
  }

  /** Clocks to decode everything added so far. */
  cycles(): number {
    const need = this.need.a;
    const rel = this.release.a;
    const steps = this.need.n;
    const F = this.F;
    const total = this.words;
    let delivered = 0;
    let held = 0;
    let cycle = 0;
    let i = 0;
    while (i < steps) {
      const arrived = delivered; // words delivered in earlier clocks
      let freed = 0;
      if (need[i] <= arrived) freed = rel[i++];
      else if (held >= F) throw new Error(`buffer of ${F} words too small: step ${i} needs word ${need[i]}, ${arrived} arrived`);
      if (delivered < total && held < F) {
        delivered++;
        held++;
      }
      held -= freed;
      cycle++;
    }
    return cycle;
  }
}

/** Buffer the idealised decoder gets: each substream's longest step plus a word of slack, and one more. */
export function bufferWords(c: Candidate, d: Derived): number {
  const B = d.cfg.busWidth;
  return c.maxStepBits(d).reduce((a, m) => a + Math.ceil(m / B) + 1, 0) + 1;
}

