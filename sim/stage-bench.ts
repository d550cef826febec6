// The bench of one pipeline stage (sim/tb/stage_tb.v.hbs) against its golden reference: the hookup of
// every port comes from the builder's Module.ports, so the bench follows configuration-dependent ports;
// each input beat is one line holding every data input port, each output beat one line holding every
// data output port (port values from sim/enc-stages.ts, keyed by port name). A module with in_valid /
// in_ready and out_valid / out_ready (or m_axis_tvalid / m_axis_tready) is driven with random gaps and
// stalls; one without a clock is checked line by line. Built, run and judged through sim/bench.ts.
import { Module, Port } from '../generator/builders/types.js';
import { Simulator } from './run.js';
import { Bench, Verdict, corruptLine, runBench, writeBench, writeVectors } from './bench.js';
import { PortValue, PortValues } from './enc-stages.js';

/** The handshake names of a stage, from its ports (null: combinational). */
interface Handshake {
  srcValid: string;
  srcReady: string;
  snkValid: string;
  snkReady: string;
}

const SINKS: [string, string][] = [
  ['out_valid', 'out_ready'],
  ['m_axis_tvalid', 'm_axis_tready'],
];

function handshake(m: Module): Handshake | null {
  const has = (n: string) => m.ports.some((p) => p.name === n);
  if (!has('clk')) return null;
  const sink = SINKS.find(([v, r]) => has(v) && has(r));
  if (!has('in_valid') || !has('in_ready') || !sink) throw new Error(`${m.name}: no valid/ready handshake on both sides`);
  return { srcValid: 'in_valid', srcReady: 'in_ready', snkValid: sink[0], snkReady: sink[1] };
}

/** A port's value as a number of port.width bits: lane i of an array at bits [i*w +: w]. */
function portBits(m: Module, p: Port, v: PortValue | undefined): bigint {
  if (v === undefined) throw new Error(`${m.name}: the golden reference has no value for port ${p.name}`);
  // two's complement for a negative value; a non-negative one must fit
  const field = (x: number | bigint, w: number) => {
    const u = BigInt.asUintN(w, BigInt(x));
    if (BigInt(x) >= 0n && u !== BigInt(x)) throw new Error(`${m.name}.${p.name}: ${x} does not fit ${w} bits`);
    return u;
  };
  if (typeof v === 'number' || typeof v === 'bigint') return field(v, p.width);
  const n = v.length;
  if (n === 0 || p.width % n !== 0) throw new Error(`${m.name}.${p.name}: ${n} lanes do not divide ${p.width} bits`);
  const w = p.width / n;
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << BigInt(w)) | field(v[i], w);
  return x;
}

interface Layout {
  ports: { port: Port; lo: number }[];
  width: number;
}

function layout(ports: Port[]): Layout {
  let lo = 0;
  const out = ports.map((port) => {
    const e = { port, lo };
    lo += port.width;
    return e;
  });
  return { ports: out, width: lo };
}

function line(m: Module, l: Layout, values: PortValues): string {
  let x = 0n;
  for (const { port, lo } of l.ports) x |= portBits(m, port, values[port.name]) << BigInt(lo);
  return x.toString(16).padStart(Math.ceil(l.width / 4), '0');
}

export interface StageVectors {
  inLines: string[];
  expLines: string[];
}

export interface StageBench {
  bench: Bench;
  vectors: StageVectors;
}

/**
 * Writes the bench of module m (deps: the modules it instantiates, dependencies first) with the given
 * input and expected output beats.
 */
export function writeStageBench(workDir: string, m: Module, deps: Module[], inputs: PortValues[], outputs: PortValues[]): StageBench {
  const hs = handshake(m);
  const control = new Set(['clk', 'rst', ...(hs ? [hs.srcValid, hs.srcReady, hs.snkValid, hs.snkReady] : [])]);
  const ins = layout(m.ports.filter((p) => p.direction === 'input' && !control.has(p.name)));
  const outs = layout(m.ports.filter((p) => p.direction === 'output' && !control.has(p.name)));
  const vectors = { inLines: inputs.map((v) => line(m, ins, v)), expLines: outputs.map((v) => line(m, outs, v)) };
  const conns: string[] = [];
  if (hs) {
    conns.push('.clk(clk)', '.rst(rst)', `.${hs.srcValid}(src_valid)`, `.${hs.srcReady}(src_ready)`, `.${hs.snkValid}(snk_valid)`, `.${hs.snkReady}(snk_ready)`);
  }
  for (const { port, lo } of ins.ports) conns.push(`.${port.name}(x[${lo} +: ${port.width}])`);
  for (const { port } of outs.ports) conns.push(`.${port.name}(o_${port.name})`);
  const ctx = {
    top: `${m.base}_tb`,
    dut: m.name,
    seq: hs !== null,
    ...(hs ?? {}),
    INW: ins.width,
    OUTW: outs.width,
    NIN: inputs.length,
    NOUT: outputs.length,
    IDLE_LIMIT: 200 + 50 * m.latency,
    TAIL: 8 + 4 * m.latency,
    noiseRep: Math.ceil(ins.width / 32),
    conns: conns.map((c, i) => (i < conns.length - 1 ? `${c},` : c)),
    outs: outs.ports.map(({ port, lo }) => ({ name: port.name, w: port.width, lo })),
    gotConcat: outs.ports
      .slice()
      .reverse()
      .map(({ port }) => `o_${port.name}`)
      .join(', '),
  };
  const bench = writeBench(workDir, [...deps, m], 'stage_tb', ctx, `${m.base}_tb`);
  return { bench, vectors };
}

export interface StageRunOptions {
  seed: number;
  gapPct: number;
  stallPct: number;
  /** Self-test of the bench: flip one bit of this expected line (the run must then fail at that beat). */
  corruptBeat?: number;
}

/** Writes the vector files and runs the bench. */
export async function runStageBench(sim: Simulator, sb: StageBench, o: StageRunOptions): Promise<Verdict> {
  const exp = o.corruptBeat === undefined ? sb.vectors.expLines : corruptLine(sb.vectors.expLines, o.corruptBeat);
  return runBench(sim, sb.bench, [
    `+in=${writeVectors(sb.bench, 'in.hex', sb.vectors.inLines)}`,
    `+exp=${writeVectors(sb.bench, 'exp.hex', exp)}`,
    `+seed=${o.seed}`,
    `+gap_pct=${o.gapPct}`,
    `+stall_pct=${o.stallPct}`,
  ]);
}
