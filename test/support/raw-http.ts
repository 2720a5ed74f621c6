import net from 'node:net';

export interface RawRequest {
  method: string;
  /** Request target as bytes may go on the wire (not validated or encoded here). */
  target: string | Buffer;
  headers: [string, string | Buffer][];
  body?: Buffer;
}
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One request over a fresh loopback connection, bytes exactly as given (no client-side validation,
 * so invalid header bytes and broken encodings reach the server). `Connection: close`.
 */
export function rawRequest(port: number, req: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let error: Error | undefined;
    // The server may answer (413, 400) and close before it has read the whole body: the write then
    // fails (EPIPE, ECONNRESET) while the answer is still there to read. Decide once it is closed.
    sock.on('error', (err) => (error = err));
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => {
      if (chunks.length || !error) finish();
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        resolve(parse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    };
    const head: Buffer[] = [Buffer.from(`${req.method} `), Buffer.from(req.target as never), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n')];
    const body = req.body ?? Buffer.alloc(0);
    const names = new Set(req.headers.map(([k]) => k.toLowerCase()));
    for (const [k, v] of req.headers) head.push(Buffer.from(`${k}: `), Buffer.from(v as never), Buffer.from('\r\n'));
    if (!names.has('content-length') && !names.has('transfer-encoding') && (body.length || req.method !== 'GET')) head.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
    head.push(Buffer.from('\r\n'));
    sock.write(Buffer.concat([...head, body]));
  });
}

function parse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete response (${raw.length} bytes): ${raw.toString('latin1').slice(0, 200)}`);
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) throw new Error(`not an HTTP response: ${lines[0]}`);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const nl = body.indexOf('\r\n', at);
      if (nl < 0) break;
      const size = parseInt(body.subarray(at, nl).toString('latin1'), 16);
      if (!size) break;
      out.push(body.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
    body = Buffer.concat(out);
  }
  return { status: Number(m[1]), headers, body };
}
