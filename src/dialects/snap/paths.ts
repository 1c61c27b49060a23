// The endpoints this dialect serves, relative to its mount point, with their SNAP service codes.
import { SERVICE, type ServiceCode } from './codes.js';

export const PATHS = {
  token: '/v1.0/access-token/b2b',
  accountCreation: '/v1.0/registration-account-creation',
  otpVerification: '/v1.0/otp-verification',
} as const;

export const ROUTES: ReadonlyArray<{ path: string; service: ServiceCode }> = [
  { path: PATHS.token, service: SERVICE.token },
  { path: PATHS.accountCreation, service: SERVICE.accountCreation },
  { path: PATHS.otpVerification, service: SERVICE.otpVerification },
];
