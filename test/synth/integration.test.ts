// What the manifest tells an integrator, checked against Yosys's elaboration of the generated tops: the
// port list (names, directions and widths, in order) and every combinational input-to-output path.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../generator/config.js';
import { buildOutput } from '../../generator/emit.js';
import { topPaths } from '../../sim/run.js';

// The check itself can fail: a known combinational path is found, a registered one is not.
const PROBE = `module probe (input wire clk, input wire a, input wire b, input wire [3:0] c, output wire y, output reg q, output wire [1:0] z);
    reg r;
    always @(posedge clk) begin r <= b; q <= a; end
    assign y = a & r;
    assign z = c[1:0] ^ {r, r};
endmodule
`;

describe('topPaths (Yosys cones)', () => {
  it('finds the combinational paths of a probe and none through its flip-flops', async () => {
    const r = await topPaths([{ name: 'probe.v', text: PROBE }], 'probe');
    expect(r.ok, r.log.slice(-3000)).toBe(true);
    expect(r.ports).toEqual([
      { name: 'clk', direction: 'input', width: 1 },
      { name: 'a', direction: 'input', width: 1 },
      { name: 'b', direction: 'input', width: 1 },
      { name: 'c', direction: 'input', width: 4 },
      { name: 'y', direction: 'output', width: 1 },
      { name: 'q', direction: 'output', width: 1 },
      { name: 'z', direction: 'output', width: 2 },
    ]);
    const key = (p: { from: string; to: string }) => `${p.from}->${p.to}`;
    expect(r.paths.map(key).sort()).toEqual(['a->y', 'c->z']);
  }, 300_000);
});

const ROWS: { args: Record<string, unknown>; label: string }[] = [
  { args: { channels: 8, dctSize: 4, dataWidth: 4 }, label: 'C8 N4 W4 u B32' },
  { args: { channels: 16, dctSize: 8, dataWidth: 8, signed: true, prefix: 'x_' }, label: 'C16 N8 W8 s B64, prefix x_' },
  { args: { channels: 8, dctSize: 8, dataWidth: 8, busWidth: 32, dct: false }, label: 'C8 N8 W8 u B32 nodct' },
];

describe.each(ROWS)('manifest against Yosys: $label', ({ args }) => {
  const out = buildOutput(resolveConfig(args));
  const files = out.modules.map((m) => ({ name: `${m.name}.v`, text: m.text }));
  const manifest = out.manifest as Record<string, { top: string; ports: { name: string; direction: string; width: number }[]; combinationalPaths: { from: string; to: string }[] }>;
  for (const side of ['encoder', 'decoder'] as const) {
    it(`${side}: the ports and the combinational input-to-output paths are the ones Yosys elaborates`, async () => {
      const m = manifest[side];
      const r = await topPaths(files, m.top);
      expect(r.ok, r.log.slice(-3000)).toBe(true);
      expect(m.ports.map(({ name, direction, width }) => ({ name, direction, width }))).toEqual(r.ports);
      const key = (p: { from: string; to: string }) => `${p.from}->${p.to}`;
      expect(m.combinationalPaths.map(key).sort()).toEqual(r.paths.map(key).sort());
      console.log(`${m.top}: ${r.ports.length} ports; combinational paths: ${r.paths.map(key).join(', ') || 'none'}`);
    }, 900_000);
  }
});
