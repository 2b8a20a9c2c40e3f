// Starts a real VS Code (code-server, installed by scripts/install-code-server.sh) for end-to-end
// tests and scripts/try-it.sh: fresh user-data and extensions folders, an optional .vsix installed
// first, user settings written, the server bound to 127.0.0.1 on a free port, and stop() that ends
// the whole process tree. Drive it with the helpers in ./workbench.ts.
//
// Also runnable from the command line (scripts/try-it.sh uses this):
//   npx tsx test/support/codeServer.ts --workspace DIR [--vsix FILE] [--dev DIR] [--port N] [--theme light|dark]
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export type Theme = 'Default Dark Modern' | 'Default Light Modern';

export interface CodeServerOptions {
  /** Folder opened in the workbench. */
  workspaceFolder: string;
  /** A packaged extension, installed with `--install-extension` before the server starts. */
  vsixPath?: string;
  /**
   * An unpackaged extension folder (with package.json and its built `main`), loaded as an
   * extension under development: it is put into the workbench URL's `payload` parameter,
   * so open `url` (not the bare server address) in the browser. The window title then shows
   * "[Extension Development Host]".
   */
  extensionDevelopmentPath?: string;
  /**
   * A bundle whose `run()` the extension host calls instead of a normal session (VS Code's
   * extension tests; needs extensionDevelopmentPath). Also put into the URL's `payload`.
   */
  extensionTestsPath?: string;
  /** More environment variables for code-server and so its extension host. */
  env?: Record<string, string>;
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Colour theme; default 'Default Dark Modern'. */
  theme?: Theme;
  /** More user settings, merged over the defaults below. */
  settings?: Record<string, unknown>;
  /** Log file for code-server's stdout and stderr; default `<tempDir>/code-server.log`. */
  logFile?: string;
  /** Keep the temp folders after stop() (also: QKV_E2E_KEEP=1). */
  keepTempDir?: boolean;
  /** How long to wait for the server to answer HTTP; default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  /** Workbench URL with the folder (and the development extension) in its query. */
  url: string;
  /** Server root, e.g. http://127.0.0.1:34567 */
  baseUrl: string;
  port: number;
  pid: number;
  /** code-server's stdout + stderr. */
  logFile: string;
  /** Holds user-data, extensions, config and (by default) the log; removed by stop(). */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** The extension host's log files (`exthost.log` and one per extension output channel). */
  extensionHostLogs(): string[];
  /** Ends code-server and everything it started; idempotent. */
  stop(): Promise<void>;
}

/** Root of the repository (this file is test/support/codeServer.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where scripts/install-code-server.sh puts code-server (override with QKV_CODE_SERVER_DIR). */
export function codeServerDir(): string {
  return process.env.QKV_CODE_SERVER_DIR ?? path.join(REPO_ROOT, 'scripts', 'code-server', 'node_modules', 'code-server');
}

function entryPoint(): string {
  const entry = path.join(codeServerDir(), 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`code-server is not installed (no ${entry}): run scripts/install-code-server.sh`);
  }
  return entry;
}

/** Settings that keep the workbench quiet and deterministic in tests. */
export function defaultSettings(theme: Theme): Record<string, unknown> {
  return {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'npm.autoDetect': 'off',
    'chat.commandCenter.enabled': false,
    'editor.minimap.enabled': false,
    'window.restoreWindows': 'none',
    'files.hotExit': 'off',
  };
}

/** Environment for code-server: without what would redirect it to another instance or port. */
function childEnv(tempDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // VSCODE_IPC_HOOK_CLI (set in VS Code's terminal) makes code-server hand the folder to that
    // instance instead of starting; NODE_OPTIONS may carry the test runner's loaders (tsx).
    if (key.startsWith('VSCODE_') || key.startsWith('ELECTRON_')) delete env[key];
  }
  for (const key of ['PORT', 'CODE_SERVER_HOST', 'CODE_SERVER_CONFIG', 'CODE_SERVER_SESSION_SOCKET', 'CODE_SERVER_PARENT_PID',
    'PASSWORD', 'HASHED_PASSWORD', 'NODE_OPTIONS']) {
    delete env[key];
  }
  // code-server keeps state (last opened folder, heartbeat) under XDG dirs: keep it in the temp dir.
  env.XDG_CONFIG_HOME = path.join(tempDir, 'xdg-config');
  env.XDG_DATA_HOME = path.join(tempDir, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(tempDir, 'xdg-cache');
  env.XDG_STATE_HOME = path.join(tempDir, 'xdg-state');
  return env;
}

/** A port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Runs `code-server --install-extension` (synchronously; a few seconds). */
function installVsix(vsixPath: string, userDataDir: string, extensionsDir: string, configFile: string, tempDir: string, logFile: string): void {
  const vsix = path.resolve(vsixPath);
  if (!fs.existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
  const r = spawnSync(process.execPath, [entryPoint(), '--config', configFile, '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir, '--force', '--install-extension', vsix], {
    env: childEnv(tempDir), encoding: 'utf8', timeout: 120_000,
  });
  fs.appendFileSync(logFile, `$ code-server --install-extension ${vsix}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`);
  if (r.status !== 0 || !/successfully installed/i.test(`${r.stdout}${r.stderr}`)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Every descendant of `pid` (Linux: read from /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // The process ended while we were looking.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group and every descendant (terminals run in their own sessions), then SIGKILL. */
async function killTree(child: ChildProcess, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const tree = [pid, ...descendants(pid)];
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(-pid, 'SIGTERM'); // the group: spawned with detached: true
  for (const p of tree) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(alive)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signal(-pid, 'SIGKILL');
  for (const p of tree) if (alive(p)) signal(p, 'SIGKILL');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
}

function findFiles(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, test, out);
    else if (test(e.name)) out.push(p);
  }
  return out;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const entry = entryPoint();
  const workspace = path.resolve(opts.workspaceFolder);
  if (!fs.statSync(workspace).isDirectory()) throw new Error(`not a folder: ${workspace}`);

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-code-server-'));
  const userDataDir = path.join(tempDir, 'user-data');
  const extensionsDir = path.join(tempDir, 'extensions');
  const configFile = path.join(tempDir, 'config.yaml');
  const logFile = path.resolve(opts.logFile ?? path.join(tempDir, 'code-server.log'));
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  // An explicit config file, or code-server writes ~/.config/code-server/config.yaml. (An empty
  // or comment-only file is "invalid config: null"; the flags below say the rest.)
  fs.writeFileSync(configFile, 'auth: none\n');
  const settings = { ...defaultSettings(opts.theme ?? 'Default Dark Modern'), ...opts.settings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const keep = opts.keepTempDir || process.env.QKV_E2E_KEEP === '1';
  const cleanup = () => {
    if (!keep) fs.rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    if (opts.vsixPath) installVsix(opts.vsixPath, userDataDir, extensionsDir, configFile, tempDir, logFile);
  } catch (err) {
    cleanup();
    throw err;
  }

  const port = opts.port ?? (await freePort());
  const args = [entry, '--config', configFile, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened', workspace];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: workspace, env: { ...childEnv(tempDir), ...opts.env }, stdio: ['ignore', out, out], detached: true,
  });
  fs.closeSync(out);
  let exitInfo: string | undefined;
  child.on('exit', (code, sig) => {
    exitInfo = `code-server exited (code ${code}, signal ${sig})`;
  });

  // If this process ends without calling stop() (a crash, process.exit), do not leave
  // code-server running: it is detached, so nothing else would end it.
  const onExit = () => {
    signal(-child.pid!, 'SIGKILL');
    try {
      cleanup();
    } catch {
      // Best effort while exiting.
    }
  };
  process.on('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    await killTree(child);
    cleanup();
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exitInfo) {
      const log = fs.readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`${exitInfo} before answering on ${baseUrl}; log:\n${log}`);
    }
    if ((await httpStatus(`${baseUrl}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      const log = fs.readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`code-server did not answer on ${baseUrl} in time; log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const query = new URLSearchParams({ folder: workspace });
  if (opts.extensionDevelopmentPath) {
    const dev = path.resolve(opts.extensionDevelopmentPath);
    // The browser workbench reads development options from `payload`; the remote authority is host:port.
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${dev}`]];
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${path.resolve(opts.extensionTestsPath)}`]);
    query.set('payload', JSON.stringify(payload));
  }
  const url = `${baseUrl}/?${query.toString()}`;

  return {
    url, baseUrl, port, pid: child.pid!, logFile, tempDir, userDataDir, extensionsDir,
    extensionHostLogs: () => findFiles(path.join(userDataDir, 'logs'), (n) => n.endsWith('.log'))
      .filter((p) => p.includes(`${path.sep}exthost`)),
    stop,
  };
}

// ---- command line (used by scripts/try-it.sh) -------------------------------------------------
async function main(argv: string[]): Promise<void> {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const workspaceFolder = get('--workspace');
  if (!workspaceFolder) {
    console.error('usage: codeServer.ts --workspace DIR [--vsix FILE] [--dev DIR] [--port N] [--theme light|dark]');
    process.exit(2);
  }
  const portArg = get('--port');
  const cs = await startCodeServer({
    workspaceFolder,
    vsixPath: get('--vsix'),
    extensionDevelopmentPath: get('--dev'),
    port: portArg ? Number(portArg) : undefined,
    theme: get('--theme') === 'light' ? 'Default Light Modern' : 'Default Dark Modern',
  });
  console.log(`\nQKV Lens try-it: VS Code (code-server) is running.\n\n  Open ${cs.url}\n`);
  console.log(`  log: ${cs.logFile}\n  extension host logs: ${path.join(cs.userDataDir, 'logs')}\n  Ctrl+C stops it.\n`);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    console.log('\nstopping code-server...');
    cs.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // Exit (with its log) if code-server dies on its own.
  const timer = setInterval(() => {
    if (!stopping && !alive(cs.pid)) {
      clearInterval(timer);
      console.error(`code-server exited; log: ${cs.logFile}`);
      process.exit(1);
    }
  }, 1000);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
