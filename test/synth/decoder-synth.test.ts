// dctcm_decoder through Yosys over every configuration of sim/sweep.ts (see test/helpers/synth-sweep.ts).
import { buildDecoder } from '../../generator/builders/decoder.js';
import { synthSweep } from '../helpers/synth-sweep.js';

synthSweep('dctcm_decoder', buildDecoder);
