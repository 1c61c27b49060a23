// Every compatible dialect otpd ships, by name.
import { d7Dialect } from './d7/index.js';
import { ekoDialect } from './eko/index.js';
import { getotpDialect } from './getotp/index.js';
import { paytmDialect } from './paytm/index.js';
import { snapDialect } from './snap/index.js';
import { twilioDialect } from './twilio/index.js';
import type { Dialect, DialectName } from './types.js';

export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  twilio: twilioDialect,
  d7: d7Dialect,
  getotp: getotpDialect,
  eko: ekoDialect,
  paytm: paytmDialect,
  snap: snapDialect,
};
