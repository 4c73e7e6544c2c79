// A deliberately minimal HTTP/1.1 client for load generation: one keep-alive TCP connection per
// RawConnection, one request in flight at a time, requests handed over as ready-made Buffers (request
// line, headers and body pre-encoded), and the response parsed only as far as needed to know its status
// and where it ends (Content-Length or chunked encoding). No header objects, no streams, no per-request
// allocations beyond what node:net does — so the generator costs a fraction of what node:http would
// and leaves the CPUs to the server under test.

import net from 'node:net';

/** A complete request, e.g. from `encodeRequest`. */
export type EncodedRequest = Buffer;

/** Status 0 means the connection failed or closed before a complete response. */
export type ResponseCallback = (status: number, bytes: number) => void;

export function encodeRequest(method: string, path: string, headers: Record<string, string>, body: Buffer | string | null): EncodedRequest {
  const payload = body === null ? null : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (payload) head += `content-length: ${payload.length}\r\n`;
  head += '\r\n';
  return payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[ \t]*[^\r]*chunked/i;
const CONN_CLOSE = /\r\nconnection:[ \t]*close/i;

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  Trailers,
}

export class RawConnection {
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private pending: Buffer | null = null;
  private state = State.Head;
  private status = 0;
  private remaining = 0;
  private bytes = 0;
  private closeAfter = false;
  private cb: ResponseCallback | null = null;
  /** Connections opened over this object's life (1 unless the server closed one). */
  reconnects = 0;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  get busy(): boolean {
    return this.cb !== null;
  }

  connect(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve();
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const s = net.connect({ port: this.port, host: this.host, noDelay: true });
      const fail = (err: Error) => {
        this.connecting = null;
        reject(err);
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.removeListener('error', fail);
        // Events of a socket this object has already let go of (closed after `connection: close`) are ignored.
        s.on('error', () => this.socket === s && this.fail());
        s.on('close', () => this.socket === s && this.fail());
        s.on('data', (chunk: Buffer) => this.socket === s && this.onData(chunk));
        this.socket = s;
        this.connecting = null;
        this.reconnects++;
        resolve();
      });
    });
    return this.connecting;
  }

  /** Sends one request; `cb` runs when its response has fully arrived (or with status 0 on failure). */
  send(req: EncodedRequest, cb: ResponseCallback): void {
    if (this.cb) throw new Error('RawConnection: a request is already in flight');
    this.cb = cb;
    this.state = State.Head;
    this.bytes = 0;
    this.closeAfter = false;
    const s = this.socket;
    if (s && !s.destroyed) {
      s.write(req);
      return;
    }
    this.connect().then(
      () => this.socket!.write(req),
      () => this.finish(0),
    );
  }

  close(): void {
    const s = this.socket;
    this.socket = null;
    this.pending = null;
    s?.destroy();
  }

  private fail(): void {
    this.close();
    if (this.cb) this.finish(0);
  }

  private finish(status: number): void {
    const cb = this.cb;
    this.cb = null;
    if (this.closeAfter) this.close();
    cb?.(status, this.bytes);
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let off = 0;
    for (;;) {
      switch (this.state) {
        case State.Head: {
          const end = buf.indexOf(CRLFCRLF, off);
          if (end < 0) {
            this.pending = buf.subarray(off);
            return;
          }
          // "HTTP/1.1 202 Accepted": three digits at offset 9.
          this.status = (buf[off + 9]! - 48) * 100 + (buf[off + 10]! - 48) * 10 + (buf[off + 11]! - 48);
          const head = buf.toString('latin1', off, end + 2);
          this.closeAfter = CONN_CLOSE.test(head);
          off = end + 4;
          if (CHUNKED.test(head)) {
            this.state = State.ChunkSize;
          } else {
            const m = CONTENT_LENGTH.exec(head);
            this.remaining = m ? Number(m[1]) : 0;
            this.state = State.Body;
          }
          break;
        }
        case State.Body: {
          const take = Math.min(this.remaining, buf.length - off);
          this.remaining -= take;
          off += take;
          if (this.remaining > 0) return;
          this.state = State.Head;
          this.finish(this.status);
          if (off >= buf.length) return;
          break; // unexpected extra bytes: parse them as the next response head
        }
        case State.ChunkSize: {
          const eol = buf.indexOf(CRLF, off);
          if (eol < 0) {
            this.pending = buf.subarray(off);
            return;
          }
          const size = parseInt(buf.toString('latin1', off, eol), 16);
          off = eol + 2;
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size + 2; // data + CRLF
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, buf.length - off);
          this.remaining -= take;
          off += take;
          if (this.remaining > 0) return;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Zero or more trailer lines, then an empty line.
          const eol = buf.indexOf(CRLF, off);
          if (eol < 0) {
            this.pending = buf.subarray(off);
            return;
          }
          const empty = eol === off;
          off = eol + 2;
          if (!empty) break;
          this.state = State.Head;
          this.finish(this.status);
          if (off >= buf.length) return;
          break;
        }
      }
    }
  }
}
