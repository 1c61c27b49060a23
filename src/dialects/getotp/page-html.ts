// The HTML of the legacy hosted OTP page: plain forms, no script, nothing loaded from elsewhere.
import type { LegacyChannel } from './legacy-wire.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LABEL: Record<LegacyChannel, string> = { email: 'email address', sms: 'mobile number (SMS)', voice: 'phone number (voice call)' };

/** `+60123456789` -> `+60*****6789`, `ali@getotp.test` -> `a**@getotp.test`: what `hide=true` shows. */
export function mask(recipient: string): string {
  const at = recipient.indexOf('@');
  if (at > 0) return recipient[0] + '*'.repeat(Math.max(1, at - 1)) + recipient.slice(at);
  return recipient.slice(0, 3) + '*'.repeat(Math.max(1, recipient.length - 7)) + recipient.slice(-4);
}

export interface PageState {
  channel: LegacyChannel;
  /** The recipient the app fixed (shown, or masked when hidden); null lets the user type one. */
  recipient: string | null;
  hide: boolean;
  /** True once a code was sent on this channel. */
  sent: boolean;
  error?: string;
  notice?: string;
  /** Sandbox sessions deliver nothing, so the page shows the code. */
  sandboxCode?: string;
}

function layout(title: string, inner: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}
input,button{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.3rem 0}
.error{color:#b00020}.notice{color:#555}.link{background:none;border:none;color:#06c;text-decoration:underline;cursor:pointer}</style>
</head><body>${inner}</body></html>`;
}

/** The send form or the code form for one channel; forms post back to the page's own URL, whatever path a proxy shows it under. */
export function renderPage(p: PageState): string {
  const msg = (p.error ? `<p class="error">${escapeHtml(p.error)}</p>` : '') + (p.notice ? `<p class="notice">${escapeHtml(p.notice)}</p>` : '');
  const who = p.recipient ? escapeHtml(p.hide ? mask(p.recipient) : p.recipient) : null;
  if (!p.sent) {
    const input = who
      ? `<p>We will send a verification code to <strong>${who}</strong>.</p>`
      : `<label>Your ${LABEL[p.channel]}<input name="recipient" required autocomplete="${p.channel === 'email' ? 'email' : 'tel'}" maxlength="320"></label>`;
    return layout('Verify', `<h1>Verify your ${LABEL[p.channel]}</h1>${msg}
<form method="post"><input type="hidden" name="action" value="send">${input}<button type="submit">Send code</button></form>`);
  }
  const sandbox = p.sandboxCode ? `<p class="notice">Sandbox: nothing was delivered; the code is <strong>${escapeHtml(p.sandboxCode)}</strong>.</p>` : '';
  return layout('Enter code', `<h1>Enter your code</h1>${who ? `<p>We sent a code to <strong>${who}</strong>.</p>` : ''}${msg}${sandbox}
<form method="post"><input type="hidden" name="action" value="check">
<label>Code<input name="code" required inputmode="numeric" autocomplete="one-time-code" maxlength="32"></label><button type="submit">Verify</button></form>
<form method="post"><input type="hidden" name="action" value="send"><button class="link" type="submit">Send the code again</button></form>`);
}

/** The page for a link that is unknown or expired. */
export function renderGone(): string {
  return layout('Link expired', '<h1>This verification link is invalid or has expired.</h1><p>Please start again from the site that sent you here.</p>');
}
