// POST /theia/api/v1/initiateTransaction: checks the merchant's checksum and issues a TXN token bound to mid + orderId.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DialectContext } from '../types.js';
import { signChecksum, verifyChecksum } from './checksum.js';
import { PaytmError, RESULTS, type ResultInfo } from './errors.js';
import { rawMember } from './json-span.js';
import type { PaytmSessions } from './sessions.js';
import { checkTimestamp, envelope, field, ID, queryParam, responseHead } from './wire.js';

const API = 'initiate' as const;

/** The checksum of a JSON API signs the `body` text; the raw request text is what the merchant signed, JSON.stringify is the usual fallback. */
function checksumMatches(rawText: string | undefined, body: unknown, key: string, signature: string): boolean {
  const raw = rawText === undefined ? null : rawMember(rawText, 'body');
  if (raw !== null && verifyChecksum(raw, key, signature)) return true;
  const compact = JSON.stringify(body);
  return compact !== raw && verifyChecksum(compact, key, signature);
}

/** Registers Initiate Transaction; `rawBody` gives the request text as received, for the checksum. */
export function initiateRoute(app: FastifyInstance, ctx: DialectContext, sessions: PaytmSessions, rawBody: (req: FastifyRequest) => string | undefined): void {
  app.post('/theia/api/v1/initiateTransaction', { config: { paytmApi: API } }, async (req, reply) => {
    const now = ctx.clock.now();
    const { head, body } = envelope(req.body, API);
    const qMid = queryParam(req.query, 'mid', API, { max: 64, pattern: ID });
    const qOrderId = queryParam(req.query, 'orderId', API, { max: 50, pattern: ID });
    const signature = field(head, 'signature', API, { required: true, max: 256 })!;
    const mid = field(body, 'mid', API, { required: true, max: 64 })!;
    const orderId = field(body, 'orderId', API, { required: true, max: 50, pattern: ID })!;
    if (mid !== qMid) throw new PaytmError(RESULTS.midMismatch);
    if (orderId !== qOrderId) throw new PaytmError(RESULTS.orderIdMismatch);
    checkTimestamp(head, API, now, ctx.signatureWindowMs);

    const found = await ctx.credentials.find('paytm', mid);
    if (!found) throw new PaytmError(RESULTS.midInvalid);
    const key = ctx.credentials.openSecret(found.credential);
    if (!checksumMatches(rawBody(req), body, key, signature)) throw new PaytmError(RESULTS.checksumInvalid);

    const accountId = found.caller.account.id;
    // After the checksum, so unsigned junk cannot fill the table; before the order, so a replay cannot read the token back.
    if (!(await sessions.spendSignature(accountId, signature, now))) throw new PaytmError(RESULTS.replayed);
    const bodyHash = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
    const order = await sessions.openOrder(accountId, mid, orderId, bodyHash, now);
    if (order.kind === 'duplicate') throw new PaytmError(RESULTS.duplicateOrder);

    const result: ResultInfo = order.kind === 'new' ? RESULTS.success : RESULTS.successIdempotent;
    const bodyText = JSON.stringify({ resultInfo: result, txnToken: order.token, isPromoCodeValid: false, authenticated: false });
    // Paytm signs its success response body with the merchant key; a client may verify it with paytmchecksum.
    const headText = JSON.stringify(responseHead(now, signChecksum(bodyText, key)));
    return reply.code(200).type('application/json; charset=utf-8').send(`{"head":${headText},"body":${bodyText}}`);
  });
}
