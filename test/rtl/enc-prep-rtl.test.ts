// dctcm_enc_prep (generator/builders/enc_prep.ts, templates/dctcm_enc_prep.v.hbs) against its golden reference
// encPrep in sim/enc-stages.ts, every output on every beat, on Icarus and Verilator over the small
// matrix of test/helpers/enc-stages.ts (and a real tensor slice), with random valid gaps and ready
// stalls; the bench (sim/stage-bench.ts, sim/tb/stage_tb.v.hbs) must report a corrupted expected beat.
import { stageSuite } from '../helpers/enc-stages.js';

stageSuite('enc_prep');
