// Runs a WASI preview1 command under Node's node:wasi, the baseline scripts/measure-cold-start times
// Skiff against: node node-wasi.mjs MODULE.wasm [ARGS...]; the current folder is preopened as "." and
// the exit code is the guest's.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const wasi = new WASI({ version: 'preview1', args: argv.slice(2), env, preopens: { '.': '.' }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[2]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
