// Hardware cost of the generated cores: Yosys (WebAssembly) synthesis for iCE40 (synth_ice40) and a
// generic 4-input-LUT target, and nextpnr-ice40 place and route (HX8K) for the iCE40 netlists.
// Prints a Markdown table: per configuration, core and build (with and without the DCT, gen-rtl --dct /
// --no-dct), LUTs, flip-flops, whether nextpnr placed and routed it on an HX8K, its maximum clock (none
// for a netlist that did not place), and values per clock x MHz / LUT. Runs one synthesis at a time.
//   npm run build && node dist/bench/hw-cost.js [--configs C:N:W[:B],...] [--cores encoder,decoder]
//     [--dct both|with|without] [--targets ice40,generic] [--no-pnr] [--pnr-log <file>] [--no-flatten]
//   --pnr-log appends each nextpnr log (its critical path report names the slowest path) to that file.
//   --no-flatten maps the generic target module by module (counts summed over the instances): C = 64 cores
//   flattened exhaust the WebAssembly Yosys's memory.
import { appendFileSync } from 'node:fs';
import { Command } from 'commander';
import { buildOutput } from '../generator/emit.js';
import { resolveConfig } from '../generator/config.js';
import { placeAndRoute, synthesize } from '../sim/run.js';

// EBPC (CONTEXT.md): one 8-bit value per clock, 784 LUTs at about 48 MHz on iCE40 HX8K.
const EBPC_PER_LUT = (1 * 48) / 784;

interface Row {
  config: string;
  dct: string;
  core: string;
  target: string;
  luts: number;
  ffs: number;
  placed: string;
  mhz: string;
  perLut: string;
  seconds: number;
}

async function main(): Promise<void> {
  const prog = new Command()
    .option('--configs <list>', 'comma-separated C:N:W or C:N:W:B configurations (unsigned; B defaults as in gen-rtl)', '8:8:8')
    .option('--cores <list>', 'comma-separated cores to synthesize: encoder, decoder', 'encoder,decoder')
    .option('--dct <which>', 'builds to measure: both (with and without the DCT), with, without', 'both')
    .option('--targets <list>', 'comma-separated synthesis targets: ice40 (then place and route), generic (4-input LUTs)', 'ice40,generic')
    .option('--no-pnr', 'skip place and route')
    .option('--pnr-log <file>', 'append each nextpnr log (with its critical path report) to this file')
    .option('--no-flatten', 'generic target: map each module alone and sum over the hierarchy (less memory, no optimisation across modules)')
    .parse();
  const o = prog.opts<{ configs: string; cores: string; dct: string; targets: string; pnr: boolean; pnrLog?: string; flatten: boolean }>();
  const builds = { both: [true, false], with: [true], without: [false] }[o.dct];
  if (!builds) throw new Error(`--dct: ${o.dct} is not one of both, with, without`);
  const targets = o.targets.split(',').map((t) => t.trim());
  for (const t of targets) if (t !== 'ice40' && t !== 'generic') throw new Error(`--targets: unknown target ${t} (ice40, generic)`);
  const cores = o.cores.split(',').map((c) => `dctcm_${c.trim()}`);
  for (const c of cores) if (c !== 'dctcm_encoder' && c !== 'dctcm_decoder') throw new Error(`--cores: unknown core ${c.slice(6)} (encoder, decoder)`);
  console.log(`# Hardware cost (Yosys 0.55 + nextpnr-ice40, WebAssembly)\n\nCommand: \`node dist/bench/hw-cost.js --configs ${o.configs} --cores ${o.cores} --dct ${o.dct} --targets ${o.targets}${o.pnr ? '' : ' --no-pnr'}${o.flatten ? '' : ' --no-flatten'}\`\n`);
  const rows: Row[] = [];
  for (const spec of o.configs.split(',')) {
    const [C, N, W, B] = spec.split(':').map(Number);
    for (const dct of builds) {
      const gc = resolveConfig({ channels: C, dctSize: N, dataWidth: W, busWidth: B, dct });
      const out = buildOutput(gc);
      const files = out.modules.map((m) => ({ name: `${m.name}.v`, text: m.text }));
      for (const core of cores) {
        for (const target of targets as ('ice40' | 'generic')[]) {
          const t0 = performance.now();
          const flatten = target === 'ice40' || o.flatten; // nextpnr needs one flat netlist
          const s = await synthesize(files, core, target, { flatten });
          let mhz = '-';
          let perLut = '-';
          let placed = '-';
          if (!s.ok) {
            mhz = 'synthesis failed';
            // the log's last lines say why (a Yosys error, a latch, or the WebAssembly runner's failure)
            process.stderr.write(`synthesis of ${core} (${target}) failed; end of its log:\n${s.log.trimEnd().split('\n').slice(-15).join('\n')}\n`);
          }
          else if (target === 'ice40' && o.pnr && s.json) {
            const p = await placeAndRoute(s.json, 'hx8k');
            if (o.pnrLog) appendFileSync(o.pnrLog, `# ${spec} ${dct ? 'dct' : 'no-dct'} ${core}\n${p.log}\n`);
            placed = p.ok ? 'yes' : 'no';
            if (p.ok) {
              mhz = p.fmaxMhz.toFixed(1);
              perLut = `${((C * p.fmaxMhz) / s.luts).toFixed(3)} (EBPC ${EBPC_PER_LUT.toFixed(3)})`;
            } else {
              // nextpnr's first ERROR line says why (e.g. more LCs than the device has)
              const why = /ERROR: ([^\n]*)/.exec(p.log)?.[1]?.trim() ?? /Unable to place|not enough|exceed/i.exec(p.log)?.[0] ?? 'failed';
              mhz = `place and route: ${why.replace(/\|/g, '/')}`; // (a | would split the table cell)
            }
          }
          const row = { config: `C${C} N${N} W${W} B${gc.codec.busWidth}`, dct: dct ? 'yes' : 'no', core, target: flatten ? target : `${target}, hierarchical`, luts: s.luts, ffs: s.ffs, placed, mhz, perLut, seconds: (performance.now() - t0) / 1000 };
          rows.push(row);
          process.stderr.write(`${row.config} dct ${row.dct} ${core} ${row.target}: ${s.luts} LUT, ${s.ffs} FF, ${placed}, ${mhz} (${row.seconds.toFixed(0)} s)\n`);
        }
      }
    }
  }
  console.log('| configuration | DCT | core | target | LUTs | flip-flops | placed (HX8K) | max MHz | values/clock x MHz / LUT | seconds |');
  console.log('| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.config} | ${r.dct} | ${r.core} | ${r.target} | ${r.luts} | ${r.ffs} | ${r.placed} | ${r.mhz} | ${r.perLut} | ${r.seconds.toFixed(0)} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
