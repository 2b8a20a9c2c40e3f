import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STALE_MS, blobLockPath } from '../../src/models/cacheLock';
import { DownloadError, downloadModel } from '../../src/models/download';
import { proxyFor } from '../../src/models/proxy';
import { ConnectProxy } from '../support/connectProxy';
import { COMMIT, FakeHub, HubFile, gitBlobSha1, sha256 } from '../support/fakeHub';
import { makeRandomGpt2 } from '../support/randomModel';

const ID = 'test-org/tiny-gpt2';
const REPO = 'models--test-org--tiny-gpt2';

function modelFiles(): Record<string, HubFile> {
  const random = makeRandomGpt2();
  const read = (f: string) => fs.readFileSync(path.join(random.dir, f));
  const files = { 'config.json': { data: read('config.json') }, 'tokenizer.json': { data: read('tokenizer.json') }, 'model.safetensors': { data: read('model.safetensors'), lfs: true } };
  fs.rmSync(random.dir, { recursive: true, force: true });
  return files;
}

async function rejects(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DownloadError, String(err));
    assert.strictEqual(err.kind, kind, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

function snapshotMatches(cacheDir: string, files: Record<string, HubFile>): void {
  const snapshot = path.join(cacheDir, REPO, 'snapshots', COMMIT);
  for (const [name, file] of Object.entries(files)) assert.ok(fs.readFileSync(path.join(snapshot, name)).equals(file.data), name);
}

describe('downloads through proxies, offline, and from two windows at once', function () {
  this.timeout(60_000);
  const files = modelFiles();
  const lfsSha = sha256(files['model.safetensors'].data);
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-net-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  describe('proxies (a CONNECT proxy on 127.0.0.1)', () => {
    const hub = new FakeHub();
    const proxy = new ConnectProxy();
    before(async () => {
      hub.addRepo(ID, files);
      await hub.start({ tls: true });
      await proxy.start();
    });
    after(async () => {
      await proxy.stop();
      await hub.stop();
    });
    beforeEach(() => {
      proxy.log.length = 0;
      proxy.credentials = undefined;
      hub.log.length = 0;
    });
    const hubHostPort = () => new URL(hub.endpoint).host;

    it('http.proxy: every request to an https hub goes through a CONNECT tunnel, and the token stays inside the tunnel', async () => {
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, token: 'hf_secret', proxy: { proxy: proxy.url, strictSSL: false } });
      snapshotMatches(cacheDir, files);
      assert.ok(proxy.log.length >= 1 && proxy.log.every((e) => e.method === 'CONNECT' && e.target === hubHostPort()), JSON.stringify(proxy.log));
      assert.strictEqual(hub.log.filter((r) => r.url.startsWith('/lfs/')).length, 1, 'the large file came through the tunnel too');
      assert.ok(hub.log.some((r) => r.authorization === 'Bearer hf_secret'));
      assert.ok(!JSON.stringify(proxy.log).includes('hf_secret'));
    });

    it('http.proxyStrictSSL (default true) refuses an unverifiable certificate with a clear message', async () => {
      await rejects(downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, retries: 0, proxy: { proxy: proxy.url } }), 'tls', /TLS certificate of 127\.0\.0\.1:\d+ could not be verified .*http\.proxyStrictSSL/);
      assert.ok(proxy.log.length >= 1, 'it went through the proxy');
    });

    it('HTTPS_PROXY from the environment when http.proxy is empty; NO_PROXY and http.noProxy bypass it', async () => {
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: { HTTPS_PROXY: proxy.url }, proxy: { strictSSL: false } });
      assert.ok(proxy.log.length >= 1);
      proxy.log.length = 0;
      fs.rmSync(path.join(cacheDir, REPO), { recursive: true });
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: { https_proxy: proxy.url, no_proxy: 'example.com,127.0.0.1' }, proxy: { strictSSL: false } });
      fs.rmSync(path.join(cacheDir, REPO), { recursive: true });
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: { HTTPS_PROXY: proxy.url }, proxy: { strictSSL: false, noProxy: ['127.0.0.1'] } });
      assert.deepStrictEqual(proxy.log, []);
      snapshotMatches(cacheDir, files);
    });

    it('sends the credentials in http.proxy as Proxy-Authorization, and says when the proxy wants them', async () => {
      proxy.credentials = 'alice:s3cret';
      await rejects(downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, retries: 0, proxy: { proxy: proxy.url, strictSSL: false } }), 'proxy', /the proxy 127\.0\.0\.1:\d+ refused .*asks for credentials/);
      const withAuth = proxy.url.replace('http://', 'http://alice:s3cret@');
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, proxy: { proxy: withAuth, strictSSL: false } });
      snapshotMatches(cacheDir, files);
    });

    it('plain http hubs go through HTTP_PROXY as absolute-form requests, redirects included', async () => {
      const plain = new FakeHub();
      plain.addRepo(ID, files);
      await plain.start();
      try {
        await downloadModel(ID, { endpoint: plain.endpoint, cacheDir, env: { HTTP_PROXY: proxy.url } });
        snapshotMatches(cacheDir, files);
        assert.ok(proxy.log.length >= 4 && proxy.log.every((e) => e.target.startsWith(plain.endpoint + '/')), JSON.stringify(proxy.log));
        assert.ok(proxy.log.some((e) => e.target === `${plain.endpoint}/lfs/${lfsSha}`));
      } finally {
        await plain.stop();
      }
    });

    it('a proxy that is down or that is not http:// gets one clear sentence', async () => {
      await rejects(downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, retries: 0, proxy: { proxy: 'http://127.0.0.1:9' } }), 'proxy', /cannot reach the proxy 127\.0\.0\.1:9 \(ECONNREFUSED\): the computer seems to be offline or the proxy is down/);
      await rejects(downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: { HTTPS_PROXY: 'socks5://127.0.0.1:1080' } }), 'proxy', /the proxy socks5:\/\/127\.0\.0\.1:1080 is not supported/);
    });

    it('chooses the proxy like curl: scheme-specific variable, ALL_PROXY, NO_PROXY suffixes and ports, the setting first', () => {
      const at = (url: string, env: Record<string, string>, proxy?: string, noProxy?: string[]) => proxyFor(new URL(url), { proxy, noProxy }, env)?.host;
      assert.strictEqual(at('https://huggingface.co/x', { HTTP_PROXY: 'a:1' }), undefined);
      assert.strictEqual(at('https://huggingface.co/x', { HTTPS_PROXY: 'b:2', HTTP_PROXY: 'a:1' }), 'b:2');
      assert.strictEqual(at('http://mirror/x', { ALL_PROXY: 'c:3' }), 'c:3');
      assert.strictEqual(at('https://huggingface.co/x', { HTTPS_PROXY: 'b:2' }, 'http://d:4'), 'd:4');
      assert.strictEqual(at('https://cdn-lfs.huggingface.co/x', { HTTPS_PROXY: 'b:2', NO_PROXY: '.huggingface.co' }), undefined);
      assert.strictEqual(at('https://huggingface.co/x', { HTTPS_PROXY: 'b:2', NO_PROXY: 'huggingface.co:8443' }), 'b:2');
      assert.strictEqual(at('https://huggingface.co/x', { HTTPS_PROXY: 'b:2', NO_PROXY: '*' }), undefined);
      assert.strictEqual(at('https://hf-mirror.com/x', { HTTPS_PROXY: 'b:2' }, undefined, ['hf-mirror.com']), undefined);
    });
  });

  it('offline: one clear sentence, at once, without retrying', async () => {
    const started = Date.now();
    await rejects(downloadModel(ID, { endpoint: 'http://127.0.0.1:9', cacheDir, env: {} }), 'offline', /^cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\): the computer seems to be offline, or a proxy is needed \(http\.proxy or HTTPS_PROXY\)$/);
    assert.ok(Date.now() - started < 2000, 'no retry back-off for a host that cannot be reached');
  });

  describe('two windows downloading the same model at once (a second process)', () => {
    const hub = new FakeHub();
    let child: ChildProcess | undefined;
    before(async () => {
      hub.addRepo(ID, files);
      await hub.start();
    });
    after(() => hub.stop());
    afterEach(() => child?.kill());

    it('locks each blob in .locks/ as huggingface_hub does: the large file is fetched once, the other window waits and uses it', async () => {
      hub.faults = { slowMs: { 'model.safetensors': 25 } };
      hub.log.length = 0;
      const root = path.resolve(__dirname, '../..');
      child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/downloadChild.ts'), ID, hub.endpoint, cacheDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const childDone = new Promise<number | null>((resolve) => child?.on('exit', resolve));
      // Start this window's download once the other is inside the large file.
      const lock = blobLockPath(cacheDir, REPO, lfsSha);
      for (let i = 0; !hub.log.some((r) => r.url === `/lfs/${lfsSha}`); i++) {
        assert.ok(i < 300, `the child never started the large file: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(fs.existsSync(lock), `the lock file ${lock} is held during the download`);
      let sawWaiting = false;
      const mine = await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {}, onProgress: (p) => (sawWaiting ||= p.file === 'model.safetensors' && p.bytes < p.total) });
      assert.strictEqual(await childDone, 0, out);
      const theirs = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { dir?: string; transferred?: number };
      assert.strictEqual(theirs.dir, mine.dir);
      assert.strictEqual(hub.log.filter((r) => r.method === 'GET' && r.url === `/lfs/${lfsSha}`).length, 1, 'the large file was downloaded once');
      assert.ok(mine.transferred < files['model.safetensors'].data.length, 'this window did not fetch the large file');
      assert.ok(sawWaiting, 'this window reported the other window\'s progress while it waited');
      snapshotMatches(cacheDir, files);
      assert.ok(!fs.existsSync(lock), 'released');
      assert.deepStrictEqual(fs.readdirSync(path.join(cacheDir, REPO, 'blobs')).filter((f) => f.endsWith('.incomplete')), []);
    });

    it('takes over a stale lock: one left by huggingface_hub (empty, old) or by a process that died', async () => {
      hub.faults = {};
      const lock = blobLockPath(cacheDir, REPO, lfsSha);
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.writeFileSync(lock, '');
      const old = new Date(Date.now() - STALE_MS - 5_000);
      fs.utimesSync(lock, old, old);
      const dead = spawn(process.execPath, ['-e', '0']);
      const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid ?? 0)));
      const configLock = blobLockPath(cacheDir, REPO, gitBlobSha1(files['config.json'].data));
      fs.writeFileSync(configLock, JSON.stringify({ pid: deadPid, host: os.hostname(), token: 'gone' }));
      const started = Date.now();
      await downloadModel(ID, { endpoint: hub.endpoint, cacheDir, env: {} });
      assert.ok(Date.now() - started < 5_000, 'no wait for a stale lock');
      snapshotMatches(cacheDir, files);
    });
  });
});
