/**
 * A Hugging Face hub on 127.0.0.1 for download tests: `/{id}/resolve/{revision}/{file}` answers like the
 * real hub (small files: 200 with the git blob sha1 as ETag; large "LFS" files: 302 to `/lfs/<sha256>`
 * with X-Linked-Etag and X-Linked-Size), with HTTP Range, and faults on demand (a dropped connection,
 * a stall, wrong bytes, a slow file). `start({ tls: true })` serves https with the self-signed certificate in
 * test/fixtures/tls (for 127.0.0.1 only; `hubCertificate()` gives it to a client that should trust it).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import type { AddressInfo } from 'net';

export const COMMIT = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

export interface HubFile {
  data: Buffer;
  /** Stored in LFS (served through a redirect, sha256 ETag). */
  lfs?: boolean;
}

export interface Faults {
  /** Close the connection after this many bytes of the next GET of the file (once). */
  dropAfter?: Record<string, number>;
  /** Send this many bytes of the file, then hang until the client goes away (every time). */
  stallAfter?: Record<string, number>;
  /** Serve these files with one byte changed (the ETag stays the right one). */
  corrupt?: Set<string>;
  /** Ignore Range headers (always 200 with the whole file). */
  noRange?: boolean;
  /** Send the file in 4 KiB pieces, this many ms apart (so two downloads overlap). */
  slowMs?: Record<string, number>;
}

const TLS_DIR = path.resolve(__dirname, '../fixtures/tls');

/** The test hub's certificate (PEM), self-signed for 127.0.0.1. */
export function hubCertificate(): string {
  return fs.readFileSync(path.join(TLS_DIR, 'hub-127.0.0.1.crt'), 'utf8');
}

export interface RequestLog {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export function gitBlobSha1(data: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export class FakeHub {
  readonly repos = new Map<string, Map<string, HubFile>>();
  readonly log: RequestLog[] = [];
  faults: Faults = {};
  private server: http.Server | https.Server | undefined;
  endpoint = '';
  /** Where large files are redirected to (another origin, like the hub's CDN); default this server. */
  lfsBase = '';

  addRepo(id: string, files: Record<string, HubFile>): void {
    this.repos.set(id, new Map(Object.entries(files)));
  }

  async start(options: { tls?: boolean } = {}): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = options.tls ? https.createServer({ key: fs.readFileSync(path.join(TLS_DIR, 'hub-127.0.0.1.key')), cert: hubCertificate() }, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.endpoint = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  gets(file: string): RequestLog[] {
    return this.log.filter((r) => r.method === 'GET' && r.url.endsWith('/' + file));
  }

  private findLfs(sha: string): { name: string; file: HubFile } | undefined {
    for (const repo of this.repos.values()) for (const [name, file] of repo) if (file.lfs && sha256(file.data) === sha) return { name, file };
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    this.log.push({ method: req.method ?? '', url, range: req.headers.range, authorization: req.headers.authorization });
    const lfs = /^\/lfs\/([0-9a-f]{64})$/.exec(url);
    if (lfs) {
      const hit = this.findLfs(lfs[1]);
      if (!hit) return void res.writeHead(404).end();
      return this.sendBody(req, res, hit.name, hit.file.data, {});
    }
    const m = /^\/(.+)\/resolve\/([^/]+)\/([^/]+)$/.exec(url);
    if (!m) return void res.writeHead(404).end();
    const [, id, revision, name] = m;
    const repo = this.repos.get(id);
    if (!repo) return void res.writeHead(401, { 'X-Error-Code': 'RepoNotFound' }).end();
    if (revision !== 'main' && revision !== COMMIT) return void res.writeHead(404, { 'X-Error-Code': 'RevisionNotFound' }).end();
    const file = repo.get(decodeURIComponent(name));
    if (!file) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': COMMIT }).end();
    if (file.lfs) {
      const sha = sha256(file.data);
      return void res
        .writeHead(302, { Location: `${this.lfsBase}/lfs/${sha}`, 'X-Linked-Etag': `"${sha}"`, 'X-Linked-Size': String(file.data.length), 'X-Repo-Commit': COMMIT, 'Content-Length': '0' })
        .end();
    }
    this.sendBody(req, res, name, file.data, { ETag: `"${gitBlobSha1(file.data)}"`, 'X-Repo-Commit': COMMIT });
  }

  private sendBody(req: http.IncomingMessage, res: http.ServerResponse, name: string, whole: Buffer, headers: Record<string, string>): void {
    let data = whole;
    if (this.faults.corrupt?.has(name)) {
      data = Buffer.from(whole);
      data[data.length >> 1] ^= 0xff;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !this.faults.noRange) start = Number(range[1]);
    if (start > data.length) return void res.writeHead(416, headers).end();
    const status = start > 0 ? 206 : 200;
    const body = data.subarray(start);
    res.writeHead(status, { ...headers, 'Content-Length': String(body.length), ...(status === 206 ? { 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}) });
    if (req.method === 'HEAD') return void res.end();
    const drop = this.faults.dropAfter?.[name];
    const stall = this.faults.stallAfter?.[name];
    if (drop !== undefined && drop < body.length) {
      delete this.faults.dropAfter?.[name];
      res.write(body.subarray(0, drop), () => res.socket?.destroy());
      return;
    }
    if (stall !== undefined && stall < body.length) {
      res.write(body.subarray(0, stall));
      return;
    }
    const slow = this.faults.slowMs?.[name];
    if (slow !== undefined) {
      const send = (at: number): void => {
        if (res.destroyed) return;
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + 4096));
        setTimeout(() => send(at + 4096), slow);
      };
      return send(0);
    }
    res.end(body);
  }
}
