// POST /aoa-pay-option-service/v2/otp/generate and /verify: the TXN token names the session; the engine does all OTP work.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, CreateInput } from '../../core/engine.js';
import type { CheckReason } from '../../core/types.js';
import type { DialectContext } from '../types.js';
import { illegal, PaytmError, RESULTS, type PaytmApi, type ResultInfo } from './errors.js';
import type { PaytmSessions, TxnSession } from './sessions.js';
import { checkTimestamp, envelope, field, ID, queryParam, send, type Obj } from './wire.js';

const BASE = '/aoa-pay-option-service/v2/otp';
const CHANNEL_IDS = ['WEB', 'WAP', 'APP', 'SYSTEM'];

/** Paytm's staging OTP: a sandbox credential's OTP is always this, and nothing is delivered. */
export const SANDBOX_OTP = '888888';

/** An Indian mobile number as Paytm takes it: 10 digits, starting 6-9. */
const MOBILE = /^[6-9]\d{9}$/;
/** An Android SMS Retriever app hash: 11 base64 characters. */
const APP_HASH = /^[A-Za-z0-9+/]{11}$/;

interface OtpRequest {
  caller: Caller;
  accountId: string;
  token: string;
  session: TxnSession;
  orderId: string;
  mid: string;
  body: Obj;
}

/** Reads the envelope, checks the head, and finds the live session the TXN token names. */
async function openRequest(req: FastifyRequest, api: PaytmApi, ctx: DialectContext, sessions: PaytmSessions): Promise<OtpRequest> {
  const now = ctx.clock.now();
  const { head, body } = envelope(req.body, api);
  const mid = queryParam(req.query, 'mid', api, { max: 64, pattern: ID });
  const orderId = queryParam(req.query, 'orderId', api, { max: 50, pattern: ID });
  const tokenType = field(head, 'tokenType', api, { required: true, max: 32 });
  const token = field(head, 'token', api, { required: true, max: 128 })!;
  // Other token types (SSO, ACCESS, CHECKSUM) belong to Paytm's own user accounts; otpd issues TXN tokens only.
  if (tokenType !== 'TXN_TOKEN') throw illegal(api);
  const channelId = field(head, 'channelId', api, { max: 16 });
  if (channelId !== undefined && !CHANNEL_IDS.includes(channelId)) throw illegal(api);
  checkTimestamp(head, api, now, ctx.signatureWindowMs);

  const found = await ctx.credentials.find('paytm', mid);
  if (!found) throw new PaytmError(RESULTS.authFailed);
  const accountId = found.caller.account.id;
  const session = await sessions.session(accountId, token, now);
  if (!session) throw new PaytmError(RESULTS.sessionExpired);
  if (session.mid !== mid) throw new PaytmError(RESULTS.midMismatch);
  if (session.orderId !== orderId) throw new PaytmError(RESULTS.orderIdMismatch);
  return { caller: found.caller, accountId, token, session, orderId, mid, body };
}

/** A check's reason in Paytm's words: an OTP limit is 531, a closed or lapsed session 1006. */
function verifyResult(reason: CheckReason): ResultInfo {
  switch (reason) {
    case 'approved':
      return RESULTS.success;
    case 'incorrect_code':
      return RESULTS.invalidOtp;
    case 'already_used':
      return RESULTS.usedOtp;
    case 'max_attempts_reached':
      return RESULTS.otpLimit;
    case 'expired':
    case 'canceled':
      return RESULTS.sessionExpired;
  }
}

/** Registers Generate OTP and Verify OTP. */
export function otpRoutes(app: FastifyInstance, ctx: DialectContext, sessions: PaytmSessions): void {
  app.post(`${BASE}/generate`, { config: { paytmApi: 'generate' } }, async (req, reply) => {
    const r = await openRequest(req, 'generate', ctx, sessions);
    const mobile = field(r.body, 'mobileNumber', 'generate', { required: true, max: 32, numberOk: true })!;
    if (!MOBILE.test(mobile)) throw new PaytmError(RESULTS.invalidMobile);
    const appHash = field(r.body, 'autoReadHash', 'generate', { max: 11, pattern: APP_HASH });

    const input: CreateInput = {
      to: `+91${mobile}`,
      channel: 'sms',
      reference: r.orderId,
      metadata: { paytm_mid: r.mid, paytm_order_id: r.orderId },
    };
    if (r.caller.sandbox) input.code = SANDBOX_OTP;
    // Android's SMS Retriever reads the OTP only from a message that starts with <#> and ends with the app's hash.
    if (appHash !== undefined) input.message = `<#> {code} is your OTP for {app}. It is valid for {minutes} minutes.\n${appHash}`;
    // The engine re-sends the pending code for the same number (cooldown and send cap apply, attempts never reset).
    const created = await ctx.engine.create(r.caller, input);
    if (r.session.vid !== created.record.id) await sessions.bindVerification(r.accountId, r.token, r.session, created.record.id);
    return send(reply, ctx.clock.now(), RESULTS.success);
  });

  app.post(`${BASE}/verify`, { config: { paytmApi: 'verify' } }, async (req, reply) => {
    const r = await openRequest(req, 'verify', ctx, sessions);
    const otp = field(r.body, 'otp', 'verify', { required: true, max: 32, numberOk: true })!;
    const rememberMe = r.body['rememberMe'];
    if (rememberMe !== undefined && rememberMe !== null && typeof rememberMe !== 'boolean' && rememberMe !== 'true' && rememberMe !== 'false') {
      throw illegal('verify');
    }
    // No OTP was generated under this token: nothing to verify against.
    if (!r.session.vid) return send(reply, ctx.clock.now(), RESULTS.loginFailed, { authenticated: false });
    const res = await ctx.engine.check(r.caller, r.session.vid, otp);
    const result = verifyResult(res.reason);
    const extra: Obj = res.valid ? { authenticated: true, payOptionsInfo: {} } : { authenticated: false };
    return send(reply, ctx.clock.now(), result, extra);
  });
}
