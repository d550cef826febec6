// The encoder's input beat is one field list (inputBeatFields): the top packs and unpacks every field at
// the offset the list gives, and the beat's width is the list's sum.
import { describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { buildEncoderTop, encoderPorts, inputBeatFields } from '../../generator/builders/encoder.js';

const base = { channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 };

describe('encoder input beat', () => {
  for (const dct of [true, false]) {
    const d = derive({ ...base, dct });
    const fields = inputBeatFields(d);
    const text = buildEncoderTop(d).text;

    it(`${dct ? 'with' : 'without'} the DCT: fields are contiguous from bit 0, each packed and unpacked at its offset`, () => {
      let at = 0;
      for (const f of fields) {
        expect(f.offset, f.name).toBe(at);
        at += f.width;
        expect(text).toContain(`assign is_beat[${f.offset} +: ${f.width}] = is_${f.name};`);
        expect(text).toContain(`i_${f.name} = i_beat[${f.offset} +: ${f.width}];`);
      }
      expect(text).toContain(`localparam IW = ${at};`);
      // exactly these fields: no other slice of the beat is read or written
      expect(text.match(/i_beat\[/g)?.length).toBe(fields.length);
      expect(text.match(/is_beat\[/g)?.length).toBe(fields.length);
      expect(fields.map((f) => f.name)).toEqual(['data', 'first', 'last', 'shift', ...(dct ? ['policy'] : [])]);
    });

    it(`${dct ? 'with' : 'without'} the DCT: a field that carries a port is as wide as the port`, () => {
      const w = (name: string) => encoderPorts(d).find((p) => p.name === name)!.width;
      const f = (name: string) => fields.find((x) => x.name === name)!.width;
      expect(f('data')).toBe(w('s_axis_tdata'));
      expect(f('shift')).toBe(w('cfg_quant_shift'));
      if (dct) expect(f('policy')).toBe(w('cfg_policy'));
    });
  }
});
