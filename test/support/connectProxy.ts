/**
 * A small forward proxy on 127.0.0.1 for download tests, like a company proxy: CONNECT tunnels (for https
 * targets) and absolute-form requests (`GET http://host/path`, for http targets), optionally asking for
 * Basic credentials (407). It records what it was asked, so a test can see that traffic went through it.
 */
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';

export interface ProxyLogEntry {
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  authorization?: string;
}

export class ConnectProxy {
  readonly log: ProxyLogEntry[] = [];
  /** When set, requests without `Proxy-Authorization: Basic base64(credentials)` get 407. */
  credentials: string | undefined;
  url = '';
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  async start(): Promise<string> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => this.tunnel(req, client, head));
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private allowed(req: http.IncomingMessage): boolean {
    this.log.push({ method: req.method ?? '', target: req.url ?? '', authorization: req.headers['proxy-authorization'] });
    return !this.credentials || req.headers['proxy-authorization'] === 'Basic ' + Buffer.from(this.credentials).toString('base64');
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    if (!this.allowed(req)) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.allowed(req)) return void res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' }).end();
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400).end('absolute-form request expected');
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }
}
