// The bench's ingest receiver, a process of its own (pinned to another CPU than the side measured):
// node:http on 127.0.0.1:0 that gunzips each POST, counts its NDJSON lines and answers as SparkPost
// does. It prints its port, then serves GET /count with the events received so far.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';

let events = 0;
let requests = 0;
let bytes = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.end(JSON.stringify({ events, requests, bytes }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    gunzip(Buffer.concat(chunks), (error, body) => {
      if (error || req.headers['content-encoding'] !== 'gzip') {
        res.writeHead(400).end('{"errors":[{"message":"not gzip"}]}');
        return;
      }
      let lines = 0;
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
      events += lines;
      requests++;
      bytes += body.length;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ results: { id: randomUUID() } }));
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
