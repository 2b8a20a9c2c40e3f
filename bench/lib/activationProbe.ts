/**
 * Run in a fresh Node process (bundled to plain JS by bench/activation.ts): installs the vscode stub,
 * requires dist/extension.js and calls activate(), and prints the two times and whether any TensorFlow.js
 * module was loaded into the extension host.
 */
import * as path from 'path';
import { createVscodeStub, installVscodeStub } from '../../test/support/vscodeStub';

const root = process.argv[2];
const dynamicRequire: (id: string) => unknown = require;
// `host`: Node modules VS Code's extension host has loaded before any extension (its proxy support
// patches http/https), so an extension's own load does not pay for them there.
if (process.argv[3] === 'host') for (const m of ['http', 'https', 'crypto', 'os', 'worker_threads']) dynamicRequire(m);
const stub = createVscodeStub();
installVscodeStub(stub);
const t0 = performance.now();
const extension = dynamicRequire(path.join(root, 'dist', 'extension.js')) as { activate(context: unknown): unknown };
const t1 = performance.now();
extension.activate(stub.extensionContext(root));
const t2 = performance.now();
const tfjs = Object.keys(require.cache).filter((k) => /tensorflow|tfjs/.test(k)).length;
const rssMiB = process.memoryUsage().rss / 2 ** 20;
console.log(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, tfjsModules: tfjs, commands: stub.commands.size, rssMiB }));
