/**
 * A recording HTTP server on 127.0.0.1 standing in for Slack, Teams, a forge's status API or a
 * generic receiver: it keeps every request it got and answers from a script (then 200).
 */
import http from 'node:http';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The status it was answered with. */
  readonly status: number;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

export interface Recorder {
  readonly url: string;
  readonly requests: Recorded[];
  /** Requests answered 2xx. */
  accepted(): Recorded[];
  close(): Promise<void>;
}

/** Starts a recorder answering the first requests with `script`, the rest with 200. */
export async function startRecorder(script: readonly Reply[] = []): Promise<Recorder> {
  const requests: Recorded[] = [];
  const replies = [...script];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = replies.shift() ?? { status: 200 };
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status: reply.status });
      response.writeHead(reply.status, reply.headers).end(reply.status < 300 ? '{}' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => requests.filter((request) => request.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
