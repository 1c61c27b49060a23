// D7 Verify v1 routes over the engine: send-otp, resend-otp, verify-otp and the status report.
import type { FastifyInstance } from 'fastify';
import type { Caller, CheckResult, VerificationResult } from '../../core/engine.js';
import { isOtpError } from '../../core/errors.js';
import { normaliseRecipient } from '../../core/recipient.js';
import type { VerificationRecord } from '../../core/types.js';
import { effectiveStatus } from '../../core/verification.js';
import type { DialectContext } from '../types.js';
import { D7Error, fromOtpError, frequentResend, invalidOtp, otpNotFound, resendClosed, resendExpired, resendLimit } from './errors.js';
import { otpIdOf, verIdOf } from './ids.js';
import { DEFAULT_SETTINGS, OtpState, PAYLOAD_MARK } from './state.js';
import { parseOtpRef, parseSendOtp, type SendOtpInput } from './wire.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Seconds from `now` until the code expires (D7's `expiry` in send and resend answers). */
const secondsLeft = (r: VerificationRecord, now: number) => Math.max(0, Math.ceil((r.expiresAt - now) / 1000));

/** D7's word for a verification's state in the report. */
export function reportStatus(r: VerificationRecord, now: number): string {
  switch (effectiveStatus(r, now)) {
    case 'pending':
      return 'OPEN';
    case 'approved':
      return 'APPROVED';
    case 'expired':
      return 'EXPIRED';
    default:
      return 'FAILED';
  }
}

/** A check outcome -> verify-otp's answer: a 200 status, or the 400 when the OTP can no longer be approved. */
export function verifyAnswer(c: CheckResult): { status: string } {
  switch (c.reason) {
    case 'approved':
      return { status: 'APPROVED' };
    case 'incorrect_code':
      return { status: 'FAILED' };
    case 'expired':
      return { status: 'EXPIRED' };
    case 'already_used':
      return { status: 'ALREADY_VERIFIED' };
    case 'max_attempts_reached':
    case 'canceled':
      throw invalidOtp();
  }
}

/** Rethrows anything as a D7Error, so a route can pick its own wording first. */
const asD7 = (e: unknown): never => {
  throw isOtpError(e) ? fromOtpError(e) : e;
};

/** Registers D7's four endpoints (and the aliases its pages show) on the dialect's scope. */
export function d7Routes(app: FastifyInstance, ctx: DialectContext, state: OtpState): void {
  const { engine, store, clock } = ctx;

  /** send-otp's answer; a sandbox token also gets the code, so app tests can finish the flow. */
  const sent = (res: VerificationResult) => ({
    otp_id: otpIdOf(res.record.id),
    status: 'OPEN',
    expiry: secondsLeft(res.record, clock.now()),
    ...(res.code !== undefined ? { otp_code: res.code } : {}),
  });

  /**
   * The engine keeps one pending verification per recipient: a second send-otp within the engine's
   * cooldown would be refused, so it answers that verification instead (its code went out moments ago).
   */
  const pendingFor = async (caller: Caller, input: SendOtpInput): Promise<VerificationResult | null> => {
    let to: string;
    try {
      to = normaliseRecipient(input.recipient, input.channel);
    } catch {
      return null;
    }
    const r = await store.findLatestForRecipient(caller.account.id, to);
    return r && effectiveStatus(r, clock.now()) === 'pending' ? engine.get(caller, r.id) : null;
  };

  app.post('/verify/v1/otp/send-otp', async (req) => {
    const input = parseSendOtp(req.body);
    // Only an otpd template (a UUID) can be named; D7 dashboard numbers fall back to the account's message.
    const templateId = input.message === undefined && input.templateId && UUID.test(input.templateId) ? input.templateId : undefined;
    let res: VerificationResult;
    try {
      res = await engine.create(req.caller, {
        to: input.recipient,
        channel: input.channel,
        codeLength: input.codeLength,
        codeType: input.codeType,
        ttl: input.expiry,
        ...(input.originator ? { sender: input.originator } : {}),
        ...(input.message ? { message: input.message } : {}),
        ...(templateId ? { templateId } : {}),
        payload: PAYLOAD_MARK,
      });
    } catch (e) {
      const again = isOtpError(e) && e.code === 'resend_cooldown' ? await pendingFor(req.caller, input) : null;
      if (!again) return asD7(e);
      res = again;
    }
    await state.put(
      req.caller.account.id,
      res.record.id,
      {
        retryDelay: input.retryDelay,
        retryCount: input.retryCount,
        ...(input.successUrl ? { successUrl: input.successUrl } : {}),
        ...(input.failureUrl ? { failureUrl: input.failureUrl } : {}),
        ...(input.originator ? { originator: input.originator } : {}),
      },
      res.record.expiresAt,
    );
    return sent(res);
  });

  const resend = async (req: { body: unknown; caller: Caller }) => {
    const { otpId } = parseOtpRef(req.body, false);
    const id = verIdOf(otpId);
    if (!id) throw otpNotFound();
    const current = await engine.get(req.caller, id).catch(asD7);
    const now = clock.now();
    const status = effectiveStatus(current.record, now);
    if (status === 'expired') throw resendExpired();
    if (status !== 'pending') throw resendClosed();
    const settings = (await state.get(req.caller.account.id, id, now)) ?? DEFAULT_SETTINGS;
    const resends = current.record.sendCount - 1;
    if (resends >= settings.retryCount) throw resendLimit();
    const since = now - current.record.lastSentAt;
    // D7's own delay is checked here; the engine's cooldown (atomic, for racing resends) still applies below.
    if (since < settings.retryDelay * 1000) throw frequentResend(settings.retryDelay, Math.ceil((settings.retryDelay * 1000 - since) / 1000));
    let res: VerificationResult;
    try {
      res = await engine.resend(req.caller, id);
    } catch (e) {
      if (isOtpError(e) && (e.code === 'resend_cooldown' || e.code === 'rate_limited')) {
        const wait = e.retryAfter ?? 1;
        throw frequentResend(Math.max(settings.retryDelay, Math.ceil(since / 1000) + wait), wait);
      }
      if (isOtpError(e) && e.code === 'verification_not_pending') {
        const after = await engine.get(req.caller, id).catch(asD7);
        throw effectiveStatus(after.record, clock.now()) === 'expired' ? resendExpired() : resendClosed();
      }
      return asD7(e);
    }
    return { otp_id: otpIdOf(res.record.id), status: 'OPEN', expiry: secondsLeft(res.record, clock.now()), resend_count: res.record.sendCount - 1, ...(res.code !== undefined ? { otp_code: res.code } : {}) };
  };
  // The curl examples use /otp/resend-otp; the newer page shows /resend-otp.
  app.post('/verify/v1/otp/resend-otp', async (req) => resend(req));
  app.post('/verify/v1/resend-otp', async (req) => resend(req));

  const verify = async (req: { body: unknown; caller: Caller }) => {
    const { otpId, code } = parseOtpRef(req.body, true);
    const id = verIdOf(otpId);
    // verify-otp documents no 404: an otp_id that names nothing is an invalid OTP.
    if (!id) throw invalidOtp();
    try {
      return verifyAnswer(await engine.check(req.caller, id, code));
    } catch (e) {
      if (isOtpError(e) && e.code === 'not_found') throw invalidOtp();
      if (e instanceof D7Error) throw e;
      return asD7(e);
    }
  };
  app.post('/verify/v1/otp/verify-otp', async (req) => verify(req));
  // The seed page's endpoint line reads /verify/v1/verify-otp (its curl uses /otp/verify-otp).
  app.post('/verify/v1/verify-otp', async (req) => verify(req));

  app.get<{ Params: { otp_id: string } }>('/verify/v1/report/:otp_id', async (req) => {
    const id = verIdOf(req.params.otp_id);
    if (!id) throw otpNotFound();
    const res = await engine.get(req.caller, id).catch(asD7);
    return { status: reportStatus(res.record, clock.now()) };
  });
}
