/**
 * Names of the user's recordings that end up in file names: the speaker, and a take's file name as the app writes
 * it (`20261125-050706-865_ana.wav`). Shared by the engine (which writes and scans them) and the API contract
 * (which accepts them from a client and resolves nothing else), so both refuse exactly the same names.
 */

/** 1–40 letters, digits, '-' or '_', starting with a letter or digit: no path separator, no dot. */
export const SPEAKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** `<yyyymmdd>-<hhmmss>-<ms>[_<speaker>]` (the stem). */
export const TAKE_STEM = /^\d{8}-\d{6}-\d{3}(?:_([A-Za-z0-9][A-Za-z0-9_-]{0,39}))?$/;

/** A take's file name: the stem plus `.wav`. */
export const TAKE_NAME = /^\d{8}-\d{6}-\d{3}(?:_[A-Za-z0-9][A-Za-z0-9_-]{0,39})?\.wav$/;
