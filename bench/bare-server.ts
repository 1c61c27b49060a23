// The ceiling for the benchmark: a bare node:http server answering create and check with canned JSON.
import { createServer } from 'node:http';

const CREATED = JSON.stringify({ id: 'ver_01J00000000000000000000000', status: 'pending', to: '+14155550123', channel: 'sms', attempts_remaining: 5, sends: [], code: '123456' });
const CHECKED = JSON.stringify({ id: 'ver_01J00000000000000000000000', status: 'approved', valid: true, reason: 'approved', attempts_remaining: 4, token: 'x' });

const server = createServer((req, res) => {
  // Read the body like a real handler would, then answer.
  req.resume();
  req.on('end', () => {
    const body = req.url === '/v1/verifications' ? CREATED : CHECKED;
    res.writeHead(req.url === '/v1/verifications' ? 201 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
