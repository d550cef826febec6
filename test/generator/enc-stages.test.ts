// The encoder stage references (sim/enc-stages.ts) against the specification, without a simulator: the
// stages chained as the RTL chains them give encodeTile's words bit for bit;
// prep's fields are the ones planPixel decides from and the next contexts the RTL picks per mode are v2's
// context update; levels 6 and 7 of each record end with / are its blocks' payloads (encPay in the
// chosen mode); and the bench writer takes every port from the builder's port list. The RTL benches of the stages: test/rtl/enc-*-rtl.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODE_CTX, MODE_DCT, MODE_RAW, MODE_ZERO, dctContext, derive } from '../../golden/params.js';
import { effectiveShift, encodeTile, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { encPrep, encStageBeats, payModes } from '../../sim/enc-stages.js';
import { writeStageBench } from '../../sim/stage-bench.js';
import { buildEncPrep } from '../../generator/builders/enc_prep.js';
import { buildEncPack } from '../../generator/builders/enc_pack.js';
import { REAL_CONFIG, STAGE_CONFIGS, realTiles, stageLabel, stageTiles } from '../helpers/enc-stages.js';

const WORK = mkdtempSync(join(tmpdir(), 'dctcm-enc-stages-'));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const rows = [...STAGE_CONFIGS.map((c) => ({ c, real: false })), { c: REAL_CONFIG, real: true }];

describe.each(rows)('stage references, $c.channels channels', ({ c, real }) => {
  const d = derive(c);
  const tiles = real ? realTiles(60) : stageTiles(d, 40, 7 + c.channels);
  const label = `${stageLabel(c)}${real ? ' (real tensor)' : ''}`;

  it(`${label}: prep -> ctx -> rec -> pack is encodeTile, word for word`, () => {
    const r = encStageBeats(d, tiles);
    const units = d.cfg.busWidth / 32;
    const exp: bigint[] = [];
    for (const t of tiles) {
      const e = encodeTile(d, t.settings, t.pixels, t.npix, t.base ?? 0);
      for (let w = 0; w < e.words; w++) {
        let x = 0n;
        for (let u = units - 1; u >= 0; u--) x = (x << 32n) | BigInt(e.units[w * units + u]);
        exp.push(x);
      }
    }
    expect(r.pack.out.map((b) => b.m_axis_tdata)).toEqual(exp);
    expect(r.pack.out.filter((b) => b.m_axis_tlast === 1).length).toBe(tiles.length);
    expect(r.prep.length).toBe(tiles.reduce((a, t) => a + t.npix, 0));
  });

  it(`${label}: prep's fields are planPixel's, and the RTL's per-mode context choice is v2's context update`, () => {
    const { channels: C, dctSize: N } = d.cfg;
    let checked = 0;
    let ties = 0; // ties between two bit lengths that the tie context decided against the parity
    for (const t of tiles) {
      const s = effectiveShift(t.settings);
      const ctx = new Uint8Array(C);
      const plan = newPlan(d);
      for (let i = 0; i < t.npix; i++) {
        const base = (t.base ?? 0) + i * C;
        const p = encPrep(d, s, t.pixels, base, i);
        planPixel(d, t.settings, ctx, t.pixels, base, i, plan);
        for (let c = 0; c < C && s > 0 && i > 0; c++) {
          // a tie between two bit lengths that its tie context sent the other way than the parity
          const m = Math.abs(t.pixels[base + c]);
          const f = m >> s;
          if ((m & ((1 << s) - 1)) === 1 << (s - 1) && ((f + 1) & f) === 0 && Math.abs(p.q[c]) - f !== ((i + c) & 1)) ties++;
        }
        const next = new Uint8Array(C);
        for (let b = 0; b < d.blocks; b++) {
          const m = plan.modes[b];
          // ZERO as the decision rule reads prep's flags
          if (t.settings.policy !== 'dct') expect(m === MODE_ZERO).toBe(!!(t.settings.policy === 'lossless' ? p.zero[b] : p.zeroq[b]));
          else expect(m === MODE_ZERO).toBe(!!p.zero[b]);
          if (m === MODE_DCT) expect(plan.coefWidth[b]).toBe(p.wc[b]);
          for (let c = b * N; c < (b + 1) * N; c++) {
            expect(plan.len[c]).toBe(p.len[c]);
            if (m === MODE_CTX) expect(plan.index[c]).toBe(p.q[c]);
            if (m === MODE_DCT) expect(plan.coef[c]).toBe(p.coef[c]);
            // dctcm_enc_ctx's choice of the next context (templates/dctcm_enc_ctx.v.hbs)
            next[c] = m === MODE_CTX ? p.ctxc[c] : m === MODE_RAW ? p.ctxr[c] : m === MODE_DCT ? p.mask[c] * dctContext(d.cfg.dataWidth, s) : 0;
          }
        }
        updateContext(d, s, plan, ctx);
        expect(Array.from(next)).toEqual(Array.from(ctx));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(ties).toBeGreaterThan(0); // the stimulus reaches the tie context's side of the rule
  });

  it(`${label}: level 6 ends with the RAW blocks' payloads and level 7 is the others' (encPay in the chosen mode)`, () => {
    const r = encStageBeats(d, tiles);
    r.rec.forEach((rc, i) => {
      const modes = rc.out.out_mode as number[];
      const tail = [0n, 0n];
      const bits = [0, 0];
      for (let b = modes.length - 1; b >= 0; b--) {
        const pay = r.pay[(i * modes.length + b) * payModes(d).length + modes[b]].out;
        const j = modes[b] === MODE_RAW ? 0 : 1;
        tail[j] = (tail[j] << BigInt(pay.bits as number)) | (pay.pay as bigint);
        bits[j] += pay.bits as number;
      }
      const { bits: lv, len } = rc.levels;
      expect(lv[6] >> BigInt(len[6] - bits[0])).toBe(tail[0]);
      expect(lv[7]).toBe(tail[1]);
      expect(len[7]).toBe(bits[1]);
      expect(len.reduce((a, x) => a + x, 0)).toBe(rc.out.out_bits);
    });
  });
});

describe('stimulus', () => {
  it.each(STAGE_CONFIGS)('tie tiles reach a CTX = RAW cost tie ($channels channels, W $dataWidth)', (c) => {
    const d = derive(c);
    let ties = 0;
    for (const t of stageTiles(d, 30, 3 + c.channels)) {
      const plan = newPlan(d);
      planPixel(d, t.settings, new Uint8Array(c.channels), t.pixels, t.base ?? 0, 0, plan);
      for (let b = 0; b < d.blocks; b++) if (plan.modes[b] === MODE_CTX && plan.blockBits[b] === 3 + c.dctSize * c.dataWidth) ties++;
    }
    expect(ties).toBeGreaterThan(0);
  });
});

describe('stage bench hookup', () => {
  it("takes the ports from the builder's list and names a port the reference does not give", () => {
    const d = derive(STAGE_CONFIGS[0]);
    const r = encStageBeats(d, stageTiles(d, 3, 1));
    const prep = buildEncPrep(d);
    const sb = writeStageBench(WORK, prep, [], r.prep.map((b) => b.in), r.prep.map((b) => b.out));
    const dataIn = prep.ports.filter((p) => p.direction === 'input' && !['clk', 'rst', 'in_valid', 'out_ready'].includes(p.name));
    expect(sb.vectors.inLines[0].length).toBe(Math.ceil(dataIn.reduce((a, p) => a + p.width, 0) / 4));
    const { out_wc: _, ...noWc } = r.prep[0].out;
    expect(() => writeStageBench(WORK, prep, [], [r.prep[0].in], [noWc])).toThrow(/no value for port out_wc/);
    const pack = buildEncPack(d);
    expect(() => writeStageBench(WORK, pack, [], [{ ...r.pack.in[0], in_ln7: 2 ** 20 }], [])).toThrow(/in_ln7: 1048576 does not fit/);
  });
});
