// Development provider: prints the rendered message to stdout instead of sending it.
import type { OutboundMessage, Provider } from '../types.js';

export class ConsoleProvider implements Provider {
  readonly name = 'console';
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async deliver(msg: OutboundMessage): Promise<{ status: 'sent' }> {
    // Written straight to the stream, never through the logger: this is a delivery, not a log line.
    this.out.write(`[otpd console] ${msg.channel} to ${msg.to} (${msg.verificationId}): ${msg.body}\n`);
    return { status: 'sent' };
  }
}
