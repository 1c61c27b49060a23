// Proof-token routes: verify a token (authenticated) and the public JWKS.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { KeyRing } from '../../tokens/keys.js';
import type { TokenService } from '../../tokens/tokens.js';
import { TokenVerdictView, TokenVerifyBody, commonErrors } from '../schemas.js';

export function tokenRoutes(app: FastifyInstance, tokens: TokenService): void {
  app.post<{ Body: Static<typeof TokenVerifyBody> }>(
    '/v1/tokens/verify',
    { schema: { tags: ['tokens'], summary: 'Verify a proof token', body: TokenVerifyBody, response: { 200: TokenVerdictView, ...commonErrors } } },
    async (req) => {
      const v = await tokens.verify(req.body.token, req.caller.account.id);
      return v.valid ? { valid: true, claims: v.claims } : { valid: false, reason: v.reason };
    },
  );
}

export function jwksRoute(app: FastifyInstance, ring: KeyRing): void {
  app.get('/.well-known/jwks.json', { schema: { tags: ['tokens'], summary: 'Public keys that sign proof tokens' } }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return ring.jwks;
  });
}
