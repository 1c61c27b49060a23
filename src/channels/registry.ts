// Which providers serve which channel; answers the engine's "is this channel available?".
import type { ChannelDirectory } from '../core/engine.js';
import type { Account, Channel } from '../core/types.js';
import type { Provider } from './types.js';

export class ChannelRegistry implements ChannelDirectory {
  private readonly byChannel = new Map<Channel, Provider[]>();

  /** Adds `provider` to the end of `channel`'s failover list. */
  register(channel: Channel, provider: Provider): this {
    const list = this.byChannel.get(channel) ?? [];
    list.push(provider);
    this.byChannel.set(channel, list);
    return this;
  }

  providers(channel: Channel): Provider[] {
    return this.byChannel.get(channel) ?? [];
  }

  isAvailable(account: Account, channel: Channel): boolean {
    if (channel === 'webhook') return this.providers('webhook').length > 0 && account.webhookUrl !== null;
    return this.providers(channel).length > 0;
  }
}
