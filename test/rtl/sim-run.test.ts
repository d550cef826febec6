// sim/run.ts on hand-written modules: each runner must pass a good design and fail a bad one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, placeAndRoute, requireTools, simulate, synthCheck, synthesize, type Simulator } from '../../sim/run.js';
import { corruptLine, readVerdict } from '../../sim/bench.js';

const COUNTER = `\`resetall
\`timescale 1ns / 1ps
\`default_nettype none
// 8-bit counter: the device under test of these runner tests.
module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    output wire [7:0] count
);
    reg [7:0] count_q;
    always @(posedge clk) begin
        if (rst) count_q <= 8'd0;
        else if (en) count_q <= count_q + 8'd1;
    end
    assign count = count_q;
endmodule
\`resetall
`;

// Self-checking bench; +bias=<n> makes it expect wrong values, so the failing path is tested too.
const TB = `\`timescale 1ns / 1ps
\`default_nettype none
module tb_counter;
    reg clk = 1'b0;
    reg rst = 1'b1;
    reg en = 1'b0;
    wire [7:0] count;
    integer bias;
    integer i;
    counter dut (.clk(clk), .rst(rst), .en(en), .count(count));
    always #5 clk = ~clk;
    initial begin
        if (!$value$plusargs("bias=%d", bias)) bias = 0;
        @(posedge clk);
        #1 rst = 1'b0;
        en = 1'b1;
        for (i = 1; i <= 20; i = i + 1) begin
            @(posedge clk);
            #1;
            if (count !== i[7:0] + bias[7:0]) begin
                $display("FAIL beat %0d: got %0d expected %0d", i, count, i + bias);
                $finish;
            end
        end
        $display("PASS beats=20 cycles=21 pixels=0");
        $finish;
    end
endmodule
`;

// Exits cleanly without a verdict: must not count as a pass.
const TB_SILENT = `\`timescale 1ns / 1ps
module tb_silent;
    initial begin
        $display("done");
        $finish;
    end
endmodule
`;

const LATCH = `\`default_nettype none
module latchy (
    input  wire en,
    input  wire d,
    output reg  q
);
    always @* if (en) q = d;
endmodule
`;

const LINT_DIRTY = `\`default_nettype none
module dirty (
    input  wire [7:0] a,
    output wire [3:0] y
);
    assign y = a;
endmodule
`;

let dir = '';
const f = (name: string) => join(dir, name);

beforeAll(() => {
  requireTools();
  dir = mkdtempSync(join(tmpdir(), 'dctcm-sim-run-'));
  writeFileSync(f('counter.v'), COUNTER);
  writeFileSync(f('tb_counter.v'), TB);
  writeFileSync(f('tb_silent.v'), TB_SILENT);
  writeFileSync(f('latchy.v'), LATCH);
  writeFileSync(f('dirty.v'), LINT_DIRTY);
  writeFileSync(f('broken.v'), 'module broken; wire x = ; endmodule\n');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each<Simulator>(['icarus', 'verilator'])('simulate on %s', (sim) => {
  it('passes a correct design', async () => {
    const r = await simulate(sim, { files: [f('counter.v'), f('tb_counter.v')], top: 'tb_counter', workDir: f('work') });
    expect(r.output).toMatch(/^PASS beats=20/m);
    expect(r.ok).toBe(true);
  });

  it('fails when the bench reports a mismatch (plusargs reach the bench)', async () => {
    const r = await simulate(sim, { files: [f('counter.v'), f('tb_counter.v')], top: 'tb_counter', workDir: f('work'), plusargs: ['+bias=1'] });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^FAIL beat 1: got 1 expected 2/m);
  });

  it('fails when the bench never prints PASS', async () => {
    const r = await simulate(sim, { files: [f('tb_silent.v')], top: 'tb_silent', workDir: f('work') });
    expect(r.output).toMatch(/done/);
    expect(r.ok).toBe(false);
  });

  it('fails on a compile error', async () => {
    const r = await simulate(sim, { files: [f('broken.v')], top: 'broken', workDir: f('work') });
    expect(r.ok).toBe(false);
  });
});

describe('readVerdict (sim/bench.ts), the one reading of every bench', () => {
  it('passes only a clean PASS line from a run that exited 0', () => {
    const v = readVerdict({ ok: true, output: 'x\nPASS beats=7 cycles=20 pixels=5\n' });
    expect(v).toMatchObject({ ok: true, beats: 7, cycles: 20, pixels: 5, mismatchBeat: null, message: 'PASS beats=7 cycles=20 pixels=5' });
    expect(readVerdict({ ok: false, output: 'PASS beats=7 cycles=20 pixels=5\n' }).ok).toBe(false);
  });
  it('reads the beat of a mismatch, and fails on it even next to a PASS line', () => {
    const v = readVerdict({ ok: true, output: 'MISMATCH beat=12 got=1f exp=1e\nPASS beats=1 cycles=1 pixels=1\n' });
    expect(v.ok).toBe(false);
    expect(v.mismatchBeat).toBe(12);
    expect(v.message).toMatch(/^MISMATCH beat=12 got=1f exp=1e$/m);
  });
  it('corruptLine flips one bit of one hex line, keeping its width', () => {
    expect(corruptLine(['00ff', '0100'], 1)).toEqual(['00ff', '0101']);
    expect(corruptLine(['00ff'], 0, 12)).toEqual(['10ff']);
    expect(() => corruptLine(['00'], 3)).toThrow();
  });
});

describe('lint', () => {
  it('accepts a clean module', async () => {
    const r = await lint([f('counter.v')], 'counter');
    expect(r.output).not.toMatch(/%Warning/);
    expect(r.ok).toBe(true);
  });

  it('rejects a single warning', async () => {
    const r = await lint([f('dirty.v')], 'dirty');
    expect(r.output).toMatch(/%Warning-WIDTH/);
    expect(r.ok).toBe(false);
  });
});

describe('synthesize', () => {
  it('maps the counter generically and for iCE40', async () => {
    const g = await synthesize([{ name: 'counter.v', text: COUNTER }], 'counter', 'generic');
    expect(g.ok, g.log).toBe(true);
    expect(g.ffs).toBe(8);
    expect(g.luts).toBeGreaterThan(0);
    const i = await synthesize([{ name: 'counter.v', text: COUNTER }], 'counter', 'ice40');
    expect(i.ok, i.log).toBe(true);
    expect(i.ffs).toBe(8);
    expect(i.luts).toBeGreaterThan(0);
    expect(i.cells.SB_LUT4).toBe(i.luts);
    expect(i.json).toBeTruthy();
    const pnr = await placeAndRoute(i.json!, 'hx8k');
    expect(pnr.ok, pnr.log.slice(-2000)).toBe(true);
    expect(pnr.fmaxMhz).toBeGreaterThan(50);
  });

  it('counts every instance of a submodule when the hierarchy is kept', async () => {
    // two counters under one top: unflattened, the top alone holds no flip-flop, so only a sum over the
    // hierarchy gives 16
    const pair = `module pair (input wire clk, input wire rst, input wire en, output wire [15:0] q);
    counter a (.clk(clk), .rst(rst), .en(en), .count(q[7:0]));
    counter b (.clk(clk), .rst(rst), .en(~en), .count(q[15:8]));
endmodule
`;
    const files = [{ name: 'counter.v', text: COUNTER }, { name: 'pair.v', text: pair }];
    const h = await synthesize(files, 'pair', 'generic', { flatten: false });
    expect(h.ok, h.log).toBe(true);
    expect(h.ffs).toBe(16);
    expect(h.json).toBeUndefined();
    const flat = await synthesize(files, 'pair', 'generic');
    expect(flat.ffs).toBe(16);
    expect(h.luts).toBeGreaterThanOrEqual(flat.luts);
    await expect(synthesize(files, 'pair', 'ice40', { flatten: false })).rejects.toThrow(/always flattens/);
  });

  it('fails on an inferred latch', async () => {
    const r = await synthesize([{ name: 'latchy.v', text: LATCH }], 'latchy', 'generic');
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/[Ll]atch/);
  });

  it('fails on a Verilog error', async () => {
    const r = await synthesize([{ name: 'broken.v', text: 'module broken; wire x = ; endmodule\n' }], 'broken', 'generic');
    expect(r.ok).toBe(false);
  });
});

// The sweep runs both depths of synthCheck (test/helpers/synth-sweep.ts): each must be able to fail.
describe.each(['coarse', 'elaborate'] as const)("synthCheck '%s'", (depth) => {
  it('passes the counter and counts its cells', async () => {
    const r = await synthCheck([{ name: 'counter.v', text: COUNTER }], 'counter', depth);
    expect(r.ok, r.log).toBe(true);
    expect(r.cells).toBeGreaterThan(0);
  });

  it('fails on an inferred latch', async () => {
    const r = await synthCheck([{ name: 'latchy.v', text: LATCH }], 'latchy', depth);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/[Ll]atch/);
  });

  it('fails check -assert on a net with two drivers', async () => {
    const text = 'module two (input wire a, input wire b, output wire y);\n  assign y = a;\n  assign y = b;\nendmodule\n';
    const r = await synthCheck([{ name: 'two.v', text }], 'two', depth);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/multiple conflicting drivers|driver/i);
  });

  it('fails check -assert on a combinational loop', async () => {
    const text = 'module loop (input wire a, output wire y);\n  wire t;\n  assign t = a & y;\n  assign y = ~t;\nendmodule\n';
    const r = await synthCheck([{ name: 'loop.v', text }], 'loop', depth);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/logic loop/i);
  });
});

describe('requireTools', () => {
  it('names the missing tool instead of skipping', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => requireTools()).toThrow(/iverilog.*vvp.*verilator/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
