// dctcm_encoder through Yosys over every configuration of sim/sweep.ts (see test/helpers/synth-sweep.ts).
import { buildEncoder } from '../../generator/builders/encoder.js';
import { synthSweep } from '../helpers/synth-sweep.js';

synthSweep('dctcm_encoder', buildEncoder);
