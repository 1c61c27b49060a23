// SNAP response codes: the 7-digit HTTP status + service code + case code, and the error that carries one.

/** BI SNAP service codes of the endpoints this dialect serves. */
export const SERVICE = {
  token: '73',
  accountCreation: '06',
  otpVerification: '04',
  /** No documented service: an unknown path. */
  none: '00',
} as const;
export type ServiceCode = (typeof SERVICE)[keyof typeof SERVICE];

/** A refusal in SNAP's shape: `{responseCode, responseMessage}` with the HTTP status in front of the code. */
export class SnapError extends Error {
  constructor(
    /** The HTTP status of the response. */
    readonly status: number,
    readonly service: ServiceCode,
    /** The two-digit case code (00 generic, 01 invalid field format / invalid token, 02 mandatory field, …). */
    readonly caseCode: string,
    message: string,
    readonly opts: { retryAfter?: number; codeStatus?: number } = {},
  ) {
    super(message);
    this.name = 'SnapError';
  }

  /** The 7-digit code; its first three digits are the HTTP status unless `codeStatus` says otherwise. */
  get responseCode(): string {
    return `${this.opts.codeStatus ?? this.status}${this.service}${this.caseCode}`;
  }

  get body(): { responseCode: string; responseMessage: string } {
    return { responseCode: this.responseCode, responseMessage: this.message };
  }
}

/** 400xx01: a field or header is present but malformed. */
export function invalidFormat(service: ServiceCode, field: string): SnapError {
  return new SnapError(400, service, '01', `Invalid field format {${field}}`);
}

/** 400xx02: a mandatory field or header is missing or empty. */
export function missingField(service: ServiceCode, field: string): SnapError {
  return new SnapError(400, service, '02', `Invalid mandatory field {${field}}`);
}

/** 400xx00: the request as a whole cannot be read. */
export function badRequest(service: ServiceCode, reason?: string): SnapError {
  return new SnapError(400, service, '00', reason ? `Bad request. ${reason}` : 'Bad request');
}

/** 401xx00: authentication failed for the stated reason. */
export function unauthorized(service: ServiceCode, reason: string): SnapError {
  return new SnapError(401, service, '00', `Unauthorized. ${reason}`);
}

/** 401xx01: the B2B access token is missing, unknown, expired or someone else's. */
export function invalidToken(service: ServiceCode): SnapError {
  return new SnapError(401, service, '01', 'Invalid token (B2B)');
}

/** 404xx08: the partner named by X-PARTNER-ID / X-CLIENT-KEY does not exist (or was revoked). */
export function invalidMerchant(service: ServiceCode): SnapError {
  return new SnapError(404, service, '08', 'Invalid merchant');
}

/** 409xx00: a value that must be unique was used before. */
export function conflict(service: ServiceCode, what: string): SnapError {
  return new SnapError(409, service, '00', `Conflict [Duplicate ${what}]`);
}

/** 403xx04: a count limit (attempts, sends) is spent. */
export function activityLimit(service: ServiceCode): SnapError {
  return new SnapError(403, service, '04', 'Activity count limit exceeded');
}
