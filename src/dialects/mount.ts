// Mounts the configured dialects: under a path prefix of the main app, or at / on a port of their own.
import type { FastifyInstance } from 'fastify';
import type { DialectMountSpec } from '../config/schema.js';
import { baseFastify } from '../http/app.js';
import type { Metrics } from '../metrics.js';
import { DIALECTS } from './registry.js';
import type { DialectContext } from './types.js';

export interface MountedDialect {
  name: string;
  vendor: string;
  /** '/twilio', or ':8091/' for a dialect on a port of its own. */
  at: string;
  /** The separate server of a port-mounted dialect; it still has to listen. */
  server: FastifyInstance | null;
  port: number | null;
}

/** Registers each dialect in an encapsulated context; port-mounted ones get a Fastify instance of their own. */
export async function mountDialects(
  app: FastifyInstance,
  specs: readonly DialectMountSpec[],
  ctx: Omit<DialectContext, 'prefix'>,
  shared: { metrics: Metrics; bodyLimit: number },
): Promise<MountedDialect[]> {
  const out: MountedDialect[] = [];
  for (const spec of specs) {
    const dialect = DIALECTS[spec.name];
    const prefix = spec.prefix ?? '';
    const plugin = async (scope: FastifyInstance) => {
      // Vendor routes are documented by the vendor, not in otpd's OpenAPI document.
      scope.addHook('onRoute', (r) => {
        r.schema = { ...(r.schema ?? {}), hide: true };
      });
      await dialect.register(scope, { ...ctx, prefix });
    };
    if (spec.port === null) {
      await app.register(plugin, { prefix });
      out.push({ name: spec.name, vendor: dialect.vendor, at: prefix, server: null, port: null });
    } else {
      const server = baseFastify({ logger: ctx.logger, metrics: shared.metrics, bodyLimit: shared.bodyLimit });
      await server.register(plugin);
      out.push({ name: spec.name, vendor: dialect.vendor, at: `:${spec.port}/`, server, port: spec.port });
    }
  }
  return out;
}
