// The longest record a decoder must accept (a CTX block longer than RAW, sim/long-record.ts) on a
// narrow bus, where it is longer than the bit buffer of a decoder sized for the encoder's records
// only: that decoder stalled. Every sweep row also carries such a tile (test/rtl/decoder-rtl.test.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { encodeTile } from '../../golden/tile.js';
import { runDecoderStream } from '../../sim/decoder-cosim.js';
import { longRecordTile } from '../../sim/long-record.js';
import { Simulator, requireTools } from '../../sim/run.js';

requireTools();
const WORK = join(tmpdir(), `dctcm-decoder-long-${process.pid}`);
mkdirSync(WORK, { recursive: true });
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('dctcm_decoder decodes the longest legal record', () => {
  const cfg = { channels: 64, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 };
  for (const sim of ['icarus', 'verilator'] as Simulator[]) {
    it(`${sim}: C64 N8 W8 B32, a 904-bit record between two encoder tiles`, async () => {
      const d = derive(cfg);
      const long = longRecordTile(d);
      expect(long.recordBits).toBe(d.maxRecordBits);
      const px = new Int32Array(3 * 64).map((_, i) => (i * 37) % 11);
      const tiles = [
        { units: encodeTile(d, { policy: 'lossless', quantShift: 0 }, px, 3).units },
        { units: long.units },
        { units: encodeTile(d, { policy: 'auto', quantShift: 1 }, px, 3).units },
      ];
      const r = await runDecoderStream(d, tiles, sim, { workDir: join(WORK, sim), seed: 5, gapPct: 20, stallPct: 30 });
      expect(r.message, r.output.slice(-2000)).toMatch(/^PASS/);
      expect(r.beats).toBe(8);
    }, 900_000);
  }
});
