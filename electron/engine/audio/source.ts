/**
 * Random-access bytes for the decoders, so they read a file's header and then only the window they need instead
 * of the whole file. A `FileSource` is opened safely: O_NONBLOCK (a FIFO cannot block the open), then fstat on the
 * open descriptor (no race with the path) and only regular files are kept — a symlink to /dev/zero, a FIFO, a
 * socket or a directory becomes a named error, never a hang or an endless read.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { SerError } from '../../shared/errors.js';
import type { Deadline } from './limits.js';

export interface ByteSource {
  /** Bytes in the file. */
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the file, none past it). */
  read(offset: number, length: number): Uint8Array;
}

/** Bytes already in memory (uploads, tests). `read` returns views, no copies. */
export class MemorySource implements ByteSource {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    const start = Math.min(Math.max(0, offset), this.bytes.length);
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + Math.max(0, length)));
  }
}

export function asSource(input: Uint8Array | ByteSource): ByteSource {
  return input instanceof Uint8Array ? new MemorySource(input) : input;
}

/** What a path that is not a regular file is, for the error message. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'is a directory, not an audio file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file; only regular audio files are read';
  if (st.isCharacterDevice()) return 'is a character device (e.g. /dev/zero), not a regular file; only regular audio files are read';
  if (st.isBlockDevice()) return 'is a block device, not a regular file; only regular audio files are read';
  if (st.isSocket()) return 'is a socket, not a regular file; only regular audio files are read';
  return 'is not a regular file; only regular audio files are read';
}

/** Maps an OS error from opening `path` to a one-line SerError naming it. */
export function openError(err: unknown, path: string): SerError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    // Node decodes file names as UTF-8; bytes that are not become U+FFFD and the name no longer matches the file.
    if (path.includes('\uFFFD')) return new SerError('not-found', `${path}: cannot open: the file name is not valid UTF-8 (shown with � for the bad bytes); rename the file`);
    return new SerError('not-found', `${path}: no such file`);
  }
  if (code === 'EACCES' || code === 'EPERM') return new SerError('unreadable', `${path}: permission denied; check the file's permissions`);
  if (code === 'EISDIR') return new SerError('bad-input', `${path}: is a directory, not an audio file`);
  if (code === 'ELOOP') return new SerError('unreadable', `${path}: symbolic link loop`);
  if (code === 'ENXIO' || code === 'EOPNOTSUPP') return new SerError('bad-input', `${path}: is a socket or device, not a regular file; only regular audio files are read`);
  if (code === 'ENAMETOOLONG') return new SerError('bad-input', `${path}: file name too long`);
  return new SerError('unreadable', `${path}: cannot read file (${(err as Error).message})`);
}

/** A regular file opened for reading; `close()` when done. */
export class FileSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  #fd: number | undefined;

  private constructor(path: string, fd: number, st: Stats) {
    this.path = path;
    this.#fd = fd;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
  }

  /** Opens `path` if it is (or links to) a regular file; otherwise throws a SerError naming it. */
  static open(path: string): FileSource {
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. (Windows has no such flag.)
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (err) {
      throw openError(err, path);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new SerError('bad-input', `${path}: ${kindOf(st)}`);
      return new FileSource(path, fd, st);
    } catch (err) {
      closeSync(fd);
      throw err instanceof SerError ? err : openError(err, path);
    }
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.min(Math.max(0, offset), this.size);
    const n = Math.min(this.size - start, Math.max(0, length));
    const out = new Uint8Array(n);
    this.readInto(out, start);
    return out;
  }

  /** Fills `target` from `offset` (or until the end of the file); returns the bytes read. */
  readInto(target: Uint8Array, offset: number): number {
    if (this.#fd === undefined) throw new SerError('internal', `${this.path}: read after close`);
    let done = 0;
    while (done < target.length) {
      let n: number;
      try {
        n = readSync(this.#fd, target, done, target.length - done, offset + done);
      } catch (err) {
        throw new SerError('unreadable', `${this.path}: read failed (${(err as Error).message})`);
      }
      if (n === 0) break; // shorter than fstat said: the file shrank meanwhile
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Opens `path`, runs `fn`, closes the file whatever happens. */
export async function withFile<T>(path: string, fn: (src: FileSource) => Promise<T> | T): Promise<T> {
  const src = FileSource.open(path);
  try {
    return await fn(src);
  } finally {
    src.close();
  }
}

/** Files up to this size are read in one go by `inMemory` (a dataset's clips), larger ones block by block. */
const SMALL_FILE = 4 << 20;

/** A small file's bytes in memory (one read serves both the hash and the decoder), else the file itself. */
export function inMemory(src: FileSource): ByteSource {
  return src.size <= SMALL_FILE ? new MemorySource(src.read(0, src.size)) : src;
}

const HASH_BLOCK = 1 << 20;

/** sha256 (hex) of every byte of `src`, read 1 MiB at a time (a file is never held in memory whole). */
export function hashSource(src: ByteSource, deadline?: Deadline): string {
  const h = createHash('sha256');
  if (src instanceof MemorySource) return h.update(src.bytes).digest('hex');
  const buf = new Uint8Array(Math.min(HASH_BLOCK, Math.max(1, src.size)));
  for (let pos = 0; pos < src.size; ) {
    deadline?.check();
    let n: number;
    if (src instanceof FileSource) n = src.readInto(buf.subarray(0, Math.min(buf.length, src.size - pos)), pos);
    else {
      const part = src.read(pos, buf.length);
      buf.set(part);
      n = part.length;
    }
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}
