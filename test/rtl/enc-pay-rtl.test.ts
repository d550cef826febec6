// dctcm_enc_pay (generator/builders/enc_pay.ts, templates/dctcm_enc_pay.v.hbs) against its golden
// reference encPay in sim/enc-stages.ts: the payload and its length of every block of every pixel, in
// each of the four modes, on Icarus and Verilator over the small matrix of test/helpers/enc-stages.ts
// (and a real tensor slice). Combinational: the bench (sim/stage-bench.ts, sim/tb/stage_tb.v.hbs)
// applies one line at a time; it must report a corrupted expected line.
import { stageSuite } from '../helpers/enc-stages.js';

stageSuite('enc_pay');
