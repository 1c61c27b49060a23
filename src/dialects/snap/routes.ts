// The three SNAP endpoints: B2B access token, Account Creation (sends the OTP), Verify OTP.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CheckResult } from '../../core/engine.js';
import type { DialectContext } from '../types.js';
import { activityLimit, conflict, SERVICE, SnapError, unauthorized, type ServiceCode } from './codes.js';
import { authenticateServiceCall, authenticateTokenRequest } from './auth.js';
import { PATHS } from './paths.js';
import {
  bindReference,
  issueAccessToken,
  referencedVerification,
  releaseReference,
  reserveReference,
  spendExternalId,
  spendTokenRequest,
  TOKEN_TTL_SECONDS,
} from './state.js';
import { creationBody, parseBody, tokenBody, verificationBody } from './wire.js';

/** The body exactly as received: the signature covers it, so it is parsed only after authentication. */
function rawOf(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

function success(service: ServiceCode): { responseCode: string; responseMessage: string } {
  return { responseCode: `200${service}00`, responseMessage: 'Successful' };
}

/** A check that did not approve, in the codes of Finpay's Verify OTP table. */
function refusal(r: CheckResult, service: ServiceCode): SnapError {
  switch (r.reason) {
    case 'incorrect_code':
      // The wrong code that spent the last attempt already blocks the OTP: say so now.
      return r.attemptsRemaining === 0 ? activityLimit(service) : unauthorized(service, 'Invalid OTP');
    case 'max_attempts_reached':
      return activityLimit(service);
    case 'expired':
      return unauthorized(service, 'OTP expired');
    case 'already_used':
      return unauthorized(service, 'OTP already used');
    case 'canceled':
    case 'approved':
      return unauthorized(service, 'OTP is no longer valid');
  }
}

/** Registers the routes; paths are relative to the mount point. */
export function snapRoutes(app: FastifyInstance, ctx: DialectContext): void {
  app.post(PATHS.token, async (req) => {
    const S = SERVICE.token;
    const raw = rawOf(req);
    const p = await authenticateTokenRequest(req, ctx, S);
    tokenBody(parseBody(raw, S), S);
    if (!(await spendTokenRequest(ctx, p.credential, p.rawTimestamp, p.timestamp.at))) throw unauthorized(S, 'X-TIMESTAMP already used');
    const accessToken = await issueAccessToken(ctx, p.credential);
    return { ...success(S), accessToken, tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS };
  });

  app.post(PATHS.accountCreation, async (req) => {
    const S = SERVICE.accountCreation;
    const raw = rawOf(req);
    const a = await authenticateServiceCall(req, ctx, S, raw);
    const input = creationBody(parseBody(raw, S), S);
    if (!(await spendExternalId(ctx, a.credential, a.externalId, a.timestamp))) throw conflict(S, 'X-EXTERNAL-ID');
    const ref = input.partnerReferenceNo;
    if (!(await reserveReference(ctx, a.credential, ref))) throw conflict(S, 'partnerReferenceNo');
    let created;
    try {
      // A live verification for this phone is sent again (same code, attempts kept), never reset.
      created = await ctx.engine.create(a.caller, { to: input.phoneNo, channel: 'sms', reference: ref, metadata: { snap_client_id: a.credential.lookup } });
    } catch (e) {
      // Nothing was created: the partner may retry with the same reference.
      await releaseReference(ctx, a.credential, ref).catch(() => undefined);
      throw e;
    }
    await bindReference(ctx, a.credential, ref, created.record.id);
    // A sandbox credential gets the code back, as a test phone never receives the SMS.
    return { ...success(S), partnerReferenceNo: ref, ...(created.code !== undefined ? { additionalInfo: { otp: created.code } } : {}) };
  });

  app.post(PATHS.otpVerification, async (req) => {
    const S = SERVICE.otpVerification;
    const raw = rawOf(req);
    const a = await authenticateServiceCall(req, ctx, S, raw);
    const input = verificationBody(parseBody(raw, S), S);
    if (!(await spendExternalId(ctx, a.credential, a.externalId, a.timestamp))) throw conflict(S, 'X-EXTERNAL-ID');
    const id = await referencedVerification(ctx, a.credential, input.originalPartnerReferenceNo);
    if (!id) throw new SnapError(404, S, '01', 'Transaction not found');
    const r = await ctx.engine.check(a.caller, id, input.otp);
    if (!r.valid) throw refusal(r, S);
    return {
      ...success(S),
      originalPartnerReferenceNo: input.originalPartnerReferenceNo,
      // Names the approved verification in otpd (GET /v1/verifications/{id}); fits the table's 204 characters.
      linkageToken: r.id,
      phoneNo: r.record.to,
      qParams: { action: 'otpLinkage' },
      additionalInfo: {
        clientId: a.credential.lookup,
        // otpd's signed proof (JWT, checkable offline against /.well-known/jwks.json).
        proofToken: r.token,
        proofTokenExpiresAt: r.tokenExpiresAt === undefined ? undefined : new Date(r.tokenExpiresAt).toISOString(),
      },
    };
  });
}
