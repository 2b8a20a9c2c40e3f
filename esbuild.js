// Builds every bundle: the extension host, the model worker and the CLI (Node, cjs) and the webview (browser).
// `node esbuild.js` for a development build, `--production` to minify, `--watch` to rebuild on change.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = path.join(__dirname, 'dist');

/**
 * The wasm backend loads its .wasm files from next to the bundle that uses it. Only the worker (Node) runs
 * wasm, and tfjs never uses threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), so the threaded
 * build (425 KB) would only weigh down the .vsix.
 */
function copyWasm() {
  const from = path.join(__dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  fs.mkdirSync(dist, { recursive: true });
  fs.rmSync(path.join(dist, 'tfjs-backend-wasm-threaded-simd.wasm'), { force: true });
  for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.wasm') && !f.includes('threaded'))) {
    fs.copyFileSync(path.join(from, file), path.join(dist, file));
  }
}

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeBuild = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  entryPoints: {
    extension: 'src/extension.ts',
    worker: 'src/runtime/worker.ts',
    cli: 'src/cli.ts',
  },
  outdir: dist,
};

/**
 * tfjs-core pulls in `long`, which probes WebAssembly at load time; the webview's CSP (rightly) forbids
 * wasm compilation, so drop the probe there (long falls back to plain JS, as it does on failure).
 */
const noWasmProbeInLong = {
  name: 'no-wasm-probe-in-long',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]long[\\/]src[\\/]long\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const patched = source.replace(/wasm = new WebAssembly\.Instance\(/, 'wasm = null && new WebAssembly.Instance(');
      if (patched === source) throw new Error('long.js changed: update the no-wasm-probe-in-long plugin');
      return { contents: patched, loader: 'js' };
    });
  },
};

const webviewBuild = {
  plugins: [noWasmProbeInLong],
  ...common,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  entryPoints: { webview: 'webview/main.ts' },
  outdir: dist,
};

/** The integration suite, run inside an extension host (test/integration; not shipped in the .vsix). */
const integrationBuild = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode', 'mocha'],
  entryPoints: { index: 'test/integration/index.ts', 'extension.test': 'test/integration/extension.test.ts' },
  outdir: path.join(__dirname, 'dist-test'),
};

/**
 * In watch mode, one "[watch] build started" / "[watch] build finished" pair around every rebuild (of any
 * bundle) and each error as "✘ [ERROR] message" then "    file:line:column:": what the problem matcher in
 * .vscode/tasks.json reads, so F5 waits for the first build and errors land in the Problems panel.
 */
function watchReporter() {
  let running = 0;
  return {
    name: 'watch-reporter',
    setup(build) {
      build.onStart(() => {
        if (running++ === 0) console.log('[watch] build started');
      });
      build.onEnd((result) => {
        for (const { text, location } of result.errors) {
          console.error(`✘ [ERROR] ${text}`);
          if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
        }
        if (--running === 0) console.log('[watch] build finished');
      });
    },
  };
}

async function main() {
  copyWasm();
  const builds = [nodeBuild, webviewBuild, integrationBuild];
  if (watch) {
    const reporter = watchReporter();
    for (const b of builds) await (await esbuild.context({ ...b, plugins: [...(b.plugins ?? []), reporter], logLevel: 'silent' })).watch();
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
