// The three Eko mobile-OTP endpoints over the engine: send, verify (-> otp_verification_token) and validate-token.
import { randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CheckResult } from '../../core/engine.js';
import { isOtpError } from '../../core/errors.js';
import type { DialectContext } from '../types.js';
import { authOfRequest, ekoAuth, type EkoAuth } from './auth.js';
import { EKO, EkoError, failureBody, MESSAGES } from './errors.js';
import { RefBook, REF_GRACE_MS, type RefBinding } from './refs.js';
import { mintToken, newTokenId, readToken } from './token.js';
import { compact, readSend, readValidateToken, readVerify, success, TYPE } from './wire.js';

/** Eko's paths, directly under the mount point (Eko's `…/ekoapi/v3` base is replaced by it). */
export const PATHS = {
  send: '/tools/kyc/mobile/otp',
  verify: '/tools/kyc/mobile/otp/verify',
  validateToken: '/tools/kyc/mobile/otp/validate-token',
} as const;

/** Eko's generic mobile OTP is for Indian numbers: a 10-digit mobile becomes +91…. */
const e164 = (mobile: string): string => `+91${mobile}`;

/** initiator_id is a fixed credential, not a phone number; any other value is Eko's 319. */
function requireInitiator(auth: EkoAuth, initiatorId: string): void {
  if (initiatorId !== auth.initiatorId) throw new EkoError(200, EKO.invalidInitiator, MESSAGES.invalidInitiator);
}

/** An OTP outcome Eko reports with HTTP 200 and a non-zero status. */
function outcome(reply: FastifyReply, code: number, message: string, data: Record<string, unknown>) {
  return reply.code(200).send(failureBody(code, message, compact(data)));
}

/** Registers send, verify and validate-token (each behind Eko's auth) and 405 answers for their other methods. */
export function ekoRoutes(app: FastifyInstance, ctx: DialectContext): void {
  const refs = new RefBook(ctx.store);
  const onRequest = ekoAuth(ctx);

  app.post(PATHS.send, { onRequest }, async (req, reply) => {
    const auth = authOfRequest(req);
    const r = readSend(req.body);
    requireInitiator(auth, r.initiator_id);
    const accountId = auth.caller.account.id;
    const now = ctx.clock.now();
    const clientRefId = r.client_ref_id ?? newClientRefId(now);
    // Refuse a reference already naming another mobile before anything is sent.
    const bound = await refs.get(accountId, clientRefId, now);
    if (bound && bound.m !== r.mobile) throw duplicateRef();

    // A second send for the same mobile re-sends the pending code (Eko has no separate resend).
    const created = await ctx.engine.create(auth.caller, { to: e164(r.mobile), channel: 'sms', reference: clientRefId });
    const v = created.record;
    const binding: RefBinding = { v: v.id, m: r.mobile, i: r.intent_id };
    if (!(await refs.bind(accountId, clientRefId, binding, v.expiresAt + REF_GRACE_MS, now))) throw duplicateRef();

    return reply.code(200).send(
      success(
        TYPE.sent,
        'OTP request has been sent',
        compact({
          user_code: r.user_code,
          otp_ref_id: v.id,
          client_ref_id: clientRefId,
          tid: v.id,
          initiator_id: r.initiator_id,
          mobile: r.mobile,
          otp_expiry_timestamp: String(v.expiresAt),
          // Sandbox credentials behave like Eko's UAT: nothing is delivered and the OTP comes back.
          otp: created.code,
        }),
      ),
    );
  });

  app.put(PATHS.verify, { onRequest }, async (req, reply) => {
    const auth = authOfRequest(req);
    const r = readVerify(req.body);
    requireInitiator(auth, r.initiator_id);
    const accountId = auth.caller.account.id;
    const now = ctx.clock.now();
    const echo = { client_ref_id: r.client_ref_id, initiator_id: r.initiator_id, mobile: r.mobile, user_code: r.user_code };
    const notFound = () => outcome(reply, EKO.failure, MESSAGES.otpNotFound, echo);

    // Which verification: the client_ref_id binding, else Eko's older otp_ref_id, else the mobile's latest.
    const binding = r.client_ref_id ? await refs.get(accountId, r.client_ref_id, now) : null;
    let id: string | null = null;
    if (binding) {
      if (binding.m !== r.mobile) return notFound();
      id = binding.v;
    } else if (r.otp_ref_id) {
      const found = await ctx.engine.get(auth.caller, r.otp_ref_id).catch(notFoundAsNull);
      if (!found || found.record.to !== e164(r.mobile)) return notFound();
      id = found.record.id;
    } else if (r.client_ref_id) {
      // Eko: a client_ref_id other than the one of the send finds no OTP.
      return notFound();
    }

    const res = await (id ? ctx.engine.check(auth.caller, id, r.otp) : ctx.engine.checkRecipient(auth.caller, e164(r.mobile), r.otp)).catch(notFoundAsNull);
    if (!res) return notFound();
    if (!res.valid) return refusal(reply, res, echo);

    if (binding && r.client_ref_id) await refs.spend(accountId, r.client_ref_id, now);
    const claims = { token_id: newTokenId(), mobile: r.mobile, intent_id: binding?.i ?? 1, client_ref_id: r.client_ref_id ?? null, tid: res.record.id };
    const { token } = await mintToken(ctx, auth.credential.id, claims);
    return reply.code(200).send(
      success(
        TYPE.verified,
        'Validation successful',
        compact({
          client_ref_id: r.client_ref_id,
          otp_verification_token: token,
          initiator_id: r.initiator_id,
          mobile: r.mobile,
          tid: res.record.id,
          user_code: r.user_code,
          otp_ref_id: res.record.id,
        }),
      ),
    );
  });

  app.get(PATHS.validateToken, { onRequest }, async (req, reply) => {
    const auth = authOfRequest(req);
    const r = readValidateToken(req.query);
    requireInitiator(auth, r.initiator_id);
    const verdict = await readToken(ctx, auth.credential.id, r.otp_verification_token);
    if (!verdict.valid) {
      const message = verdict.reason === 'expired' ? 'OTP verification token has expired' : 'Invalid OTP verification token';
      return outcome(reply, EKO.failure, message, { otp_verification_token: r.otp_verification_token, initiator_id: r.initiator_id });
    }
    const c = verdict.claims;
    return reply.code(200).send(
      success(
        TYPE.tokenValid,
        'OTP verification token is valid',
        compact({ client_ref_id: c.client_ref_id ?? undefined, otp_verification_token: r.otp_verification_token, initiator_id: r.initiator_id, mobile: c.mobile, tid: c.tid, token_id: c.token_id }),
      ),
    );
  });

  // Eko answers a known path with the wrong method with 405.
  const allowed: Record<string, string> = { [PATHS.send]: 'POST', [PATHS.verify]: 'PUT', [PATHS.validateToken]: 'GET' };
  for (const [url, method] of Object.entries(allowed)) {
    const others = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter((m) => m !== method);
    app.route({
      method: [...others],
      url,
      handler: async (_req: FastifyRequest, reply: FastifyReply) => {
        reply.header('allow', method === 'GET' ? 'GET, HEAD' : method);
        throw new EkoError(405, EKO.failure, `Method not allowed: use ${method} for this API.`);
      },
    });
  }
}

/** A wrong, expired or spent OTP in Eko's codes: 302 wrong, 303 expired (also when the attempts are spent), else "not found". */
function refusal(reply: FastifyReply, res: CheckResult, echo: Record<string, unknown>) {
  switch (res.reason) {
    case 'incorrect_code':
      // The last wrong attempt closes the verification: tell the client to ask for a new OTP.
      return res.record.status === 'max_attempts_reached'
        ? outcome(reply, EKO.otpExpired, MESSAGES.attemptsExhausted, echo)
        : outcome(reply, EKO.wrongOtp, MESSAGES.wrongOtp, echo);
    case 'expired':
      return outcome(reply, EKO.otpExpired, MESSAGES.otpExpired, echo);
    case 'max_attempts_reached':
      return outcome(reply, EKO.otpExpired, MESSAGES.attemptsExhausted, echo);
    default:
      // already_used, canceled: Eko's OTP is single use and a spent one is "not found".
      return outcome(reply, EKO.failure, MESSAGES.otpNotFound, echo);
  }
}

function notFoundAsNull(e: unknown): null {
  if (isOtpError(e) && e.code === 'not_found') return null;
  throw e;
}

function duplicateRef(): EkoError {
  return new EkoError(400, EKO.failure, 'Duplicate client_ref_id: it already names an OTP request for another mobile number.', {
    invalidParams: { client_ref_id: 'already used for another mobile number' },
  });
}

/** A client_ref_id when the client sent none: 16 digits like Eko's sample (ms time + 3 random digits). */
function newClientRefId(now: number): string {
  return `${now}${randomInt(1000).toString().padStart(3, '0')}`;
}
