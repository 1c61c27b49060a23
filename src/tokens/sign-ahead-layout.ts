// The shared memory both sides of sign-ahead agree on: slot states, offsets and sizes.

/** A slot's life: main fills a FREE one (QUEUED); the thread takes it (BUSY) and answers (DONE or FAILED). */
export const FREE = 0;
export const QUEUED = 1;
export const BUSY = 2;
export const DONE = 3;
/** Main gave up on a slot the thread was signing: the thread frees it when it is done. */
export const ABANDONED = 4;
export const FAILED = 5;

/** What a slot asks for. */
export const KIND_EXPECT = 1;
export const KIND_SIGN = 2;

/** Control words before the slots: whether the thread sleeps, and whether it should stop. */
export const CTL_SLEEPING = 0;
export const CTL_STOP = 1;
export const CTL_BYTES = 64;

/** Slots in the ring (a power of two) and the bytes of each: a 16-byte head, the request, the answer. */
export const SLOTS = 512;
export const SLOT_BYTES = 2048;
export const HEAD_BYTES = 16;
export const REQUEST_BYTES = 512;

/** Int32 index of slot `i`'s state; its seq, kind and answer length follow it. */
export const stateAt = (i: number): number => (CTL_BYTES + i * SLOT_BYTES) / 4;
/** Byte offset of slot `i`'s request (an f64, then length-prefixed fields). */
export const requestAt = (i: number): number => CTL_BYTES + i * SLOT_BYTES + HEAD_BYTES;
/** Byte offset of slot `i`'s answer (length-prefixed fields). */
export const answerAt = (i: number): number => CTL_BYTES + i * SLOT_BYTES + HEAD_BYTES + REQUEST_BYTES;
export const answerEnd = (i: number): number => CTL_BYTES + (i + 1) * SLOT_BYTES;

export const SHARED_BYTES = CTL_BYTES + SLOTS * SLOT_BYTES;

/** The numbers above, for the thread (its program derives the same offsets from them). */
export const LAYOUT = {
  FREE, QUEUED, BUSY, DONE, ABANDONED, FAILED, KIND_EXPECT, KIND_SIGN, CTL_SLEEPING, CTL_STOP,
  CTL_BYTES, SLOTS, SLOT_BYTES, HEAD_BYTES, REQUEST_BYTES,
};
