// Request and response schemas of the native API: they validate, serialise and generate the OpenAPI document.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EVENT_TYPES } from '../core/events.js';
import { POLICY_BOUNDS } from '../core/policy.js';
import { CHANNELS, CHECK_REASONS, CODE_TYPES, SEND_STATUSES, VERIFICATION_STATUSES, type Channel, type CodeType } from '../core/types.js';

const enumOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const b = POLICY_BOUNDS;

export const ChannelSchema = enumOf<Channel>(CHANNELS, 'Delivery channel');
export const LocaleSchema = Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', maxLength: 35, description: 'BCP 47 locale, e.g. en, pt-BR' });

const ClientIp = Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$', description: "The end user's IP address, for the per-IP limits" });

export const CreateBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 320, description: 'E.164 phone number (+14155550123) or, for email, an address' }),
    channel: ChannelSchema,
    code_length: Type.Optional(Type.Integer({ minimum: b.codeLength.min, maximum: b.codeLength.max })),
    code_type: Type.Optional(enumOf<CodeType>(CODE_TYPES)),
    code: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{4,10}$', description: 'Custom code (4-10 letters or digits); excludes code_length' })),
    ttl: Type.Optional(Type.Integer({ minimum: b.ttlSeconds.min, maximum: b.ttlSeconds.max, description: 'Validity in seconds' })),
    max_attempts: Type.Optional(Type.Integer({ minimum: b.maxAttempts.min, maximum: b.maxAttempts.max })),
    locale: Type.Optional(LocaleSchema),
    template_id: Type.Optional(Type.String({ format: 'uuid' })),
    sender: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    reference: Type.Optional(Type.String({ maxLength: 256 })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 20 })),
    payload: Type.Optional(
      Type.Object({}, { additionalProperties: true, maxProperties: 50, description: 'Your JSON object (at most 4 KB as JSON), echoed in event webhooks' }),
    ),
    client_ip: Type.Optional(ClientIp),
    risk_check: Type.Optional(enumOf(['enable', 'disable'] as const, '`disable` skips the SMS-pumping guard; needs the risk_override scope')),
  },
  { additionalProperties: false },
);
export type CreateBodyT = Static<typeof CreateBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const CheckBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }), client_ip: Type.Optional(ClientIp) }, { additionalProperties: false });
export const CheckByRecipientBody = Type.Object(
  { to: Type.String({ minLength: 1, maxLength: 320 }), code: Type.String({ minLength: 1, maxLength: 32 }), client_ip: Type.Optional(ClientIp) },
  { additionalProperties: false },
);
export const ResendBody = Type.Object({ channel: Type.Optional(ChannelSchema) }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' })),
});

const Time = Type.String({ format: 'date-time' });

export const SendView = Type.Object({
  channel: ChannelSchema,
  provider: nullable(Type.String({ description: 'The provider that delivered it, or tried last' })),
  at: Time,
  status: enumOf(SEND_STATUSES),
  error: Type.Optional(Type.String({ description: 'Why the last attempt failed' })),
});

export const VerificationView = Type.Object({
  id: Type.String(),
  status: enumOf(VERIFICATION_STATUSES),
  to: Type.String(),
  channel: ChannelSchema,
  locale: Type.String(),
  created_at: Time,
  updated_at: Time,
  expires_at: Time,
  attempts_remaining: Type.Integer(),
  sends: Type.Array(SendView),
  reference: nullable(Type.String()),
  metadata: nullable(Type.Record(Type.String(), Type.String())),
  payload: Type.Unknown({ description: 'The payload the create call supplied, or null' }),
  sandbox: Type.Boolean(),
  code: Type.Optional(Type.String({ description: 'Sandbox keys only: the code, for automated tests' })),
});

export const CheckView = Type.Object({
  id: Type.String(),
  status: enumOf(VERIFICATION_STATUSES),
  valid: Type.Boolean(),
  reason: enumOf(CHECK_REASONS),
  attempts_remaining: Type.Integer(),
  token: Type.Optional(Type.String()),
  token_expires_at: Type.Optional(Time),
});

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), pointer: Type.String(), detail: Type.String() }))),
  limit: Type.Optional(Type.String({ description: 'For rate_limited: the limit or guard that tripped' })),
});

export const TemplateBody = Type.Object(
  { channel: ChannelSchema, locale: LocaleSchema, body: Type.String({ minLength: 1, maxLength: 1600 }) },
  { additionalProperties: false },
);
export const TemplateView = Type.Object({ id: Type.String({ format: 'uuid' }), channel: ChannelSchema, locale: Type.String(), body: Type.String(), created_at: Time });
export const TemplateParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const TokenVerifyBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 8192 }) }, { additionalProperties: false });
export const TokenVerdictView = Type.Object({
  valid: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL that receives the events' }),
    events: Type.Array(enumOf(EVENT_TYPES), { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  created_at: Time,
  secret: Type.Optional(Type.String({ description: 'Standard Webhooks signing secret; returned only when the subscription is created' })),
});
export const WebhookDeliveryView = Type.Object({
  id: Type.String({ description: 'The webhook-id header: the same on every retry' }),
  type: Type.String(),
  status: enumOf(['queued', 'delivered', 'failed'] as const),
  attempts: Type.Integer(),
  created_at: Time,
  next_attempt_at: nullable(Time),
  last_error: nullable(Type.String()),
});

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const commonErrors = { 400: Problem, 401: Problem, 404: Problem, 413: Problem, 415: Problem, 503: Problem };
