/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian length N, N bytes of JSON header, then the tensors' raw
 * little-endian bytes. The header maps each tensor name to
 * { dtype, shape, data_offsets: [begin, end] } (offsets into the bytes after
 * the header) and may hold "__metadata__", a map of strings to strings.
 *
 * rnnlm writes the model's tensors as F32 under the names of
 * docs/checkpoint.md (PyTorch's), with two metadata entries: "format": "pt"
 * (what PyTorch tools expect) and "rnnlm": the checkpoint's description
 * (config, tokenizer, vocabulary, meta; codec's checkpointDescription) as
 * JSON text, so that the file alone turns back into a model-only
 * checkpoint. It reads F32, F64, F16 and BF16, from any writer (PyTorch's
 * safetensors.torch.save_file included), and checks every offset, size and
 * value before it is used. Pure: bytes in, bytes (chunks) out.
 */
import type { Backend } from '../core/backend.js';
import { referenceBackend } from '../core/backend.js';
import { checkpointDescription, checkpointFromTensors, type Checkpoint, type TensorValues } from './codec.js';
import { CheckpointError } from './errors.js';
import { JsonBytesError, parseJsonBytes } from './json-bytes.js';

/** The metadata key of rnnlm's description. */
export const RNNLM_METADATA = 'rnnlm';
/** The safetensors reference implementation refuses headers over 100 MB. */
const MAX_HEADER = 100_000_000;
/** Tensor bytes are handed out in slices of at most this many. */
const SLICE = 1 << 21;

const NOT_SAFETENSORS = 'pass a .safetensors file (rnnlm export writes one; so does safetensors.torch.save_file)';

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** A tensor to write: F32 (from any float array) or I32 (from integers). */
export interface TensorOut {
  name: string;
  dtype: 'F32' | 'I32';
  shape: readonly number[];
  data: ArrayLike<number>;
  /** Where the tensor starts in `data` (default 0); it has the product of `shape` values. */
  offset?: number;
}

/**
 * A safetensors file in chunks: the length and the header (padded with
 * spaces to a multiple of 8, as the reference writer does, so that the data
 * starts aligned), then each tensor's little-endian bytes in slices of at most
 * 2 MiB, read from `data` as they are taken.
 */
export function* writeSafetensors(tensors: readonly TensorOut[], metadata: Record<string, string>): Generator<Uint8Array, void, undefined> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const sizes = tensors.map((t) => t.shape.reduce((a, d) => a * d, 1));
  tensors.forEach((t, i) => {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + 4 * sizes[i]!] };
    offset += 4 * sizes[i]!;
  });
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(json, 8);
  yield head;
  for (let j = 0; j < tensors.length; j++) {
    const t = tensors[j]!, size = sizes[j]!, base = t.offset ?? 0;
    for (let i = 0; i < size; i += SLICE / 4) {
      const n = Math.min(SLICE / 4, size - i);
      const out = new Uint8Array(4 * n);
      const dv = new DataView(out.buffer);
      if (t.dtype === 'F32') for (let k = 0; k < n; k++) dv.setFloat32(4 * k, t.data[base + i + k]!, true);
      else for (let k = 0; k < n; k++) dv.setInt32(4 * k, t.data[base + i + k]!, true);
      yield out;
    }
  }
}

/**
 * The file of a checkpoint's model: its tensors as F32 under their names,
 * "format": "pt" and the checkpoint's description in the metadata.
 */
export function safetensorsChunks(ck: Checkpoint): Generator<Uint8Array, void, undefined> {
  const description = JSON.stringify(checkpointDescription(ck));
  const { layout, params } = ck.model;
  return writeSafetensors(layout.tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape, data: params.data, offset: t.offset })),
    { format: 'pt', [RNNLM_METADATA]: description });
}

/** A parsed file: its metadata and tensors (values widened or narrowed to float32 as read). */
export interface Safetensors {
  metadata: Record<string, string>;
  tensors: Map<string, TensorValues & { dtype: string }>;
}

function bad(what: string, hint = NOT_SAFETENSORS): CheckpointError {
  return new CheckpointError(`not a safetensors file (${what})`, hint);
}

/** Reads a safetensors file's bytes; every length, offset, dtype and shape is checked. */
export function parseSafetensors(bytes: Uint8Array): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError('safetensors bytes should be a Uint8Array', NOT_SAFETENSORS);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes: too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n < 2n || n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw bad(`its header length is ${n} bytes, and the file has ${bytes.length - 8} after the length`);
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = parseJsonBytes(bytes.subarray(8, headerEnd), { maxDepth: 8 });
  } catch (e) {
    if (e instanceof JsonBytesError) throw bad(`its header is not JSON: ${e.what} at byte ${8 + e.offset}`);
    throw e;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('its header is not a JSON object');
  const h = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const meta = h['__metadata__'];
  if (meta !== undefined) {
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw bad('__metadata__ is not an object');
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') throw bad(`__metadata__.${k} is not a string`);
      metadata[k] = v;
    }
  }
  const dataLength = bytes.length - headerEnd;
  const tensors = new Map<string, TensorValues & { dtype: string }>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`the entry of tensor ${JSON.stringify(name)} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string') throw bad(`tensor ${JSON.stringify(name)} has no dtype`);
    const size = DTYPE_BYTES[dtype];
    if (size === undefined) {
      throw new CheckpointError(`tensor ${JSON.stringify(name)} is ${dtype.slice(0, 20)}: rnnlm reads floating-point tensors (F32, F64, F16, BF16)`, 'save the weights as float32');
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0) || shape.length > 8) throw bad(`tensor ${JSON.stringify(name)} has a shape that is not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || (o as number) < 0)) throw bad(`tensor ${JSON.stringify(name)} has no [begin, end] data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (end < begin || end > dataLength) throw bad(`tensor ${JSON.stringify(name)} lies at bytes ${begin}–${end} of ${dataLength}`, 'the file is truncated or damaged');
    if (end - begin !== count * size) throw bad(`tensor ${JSON.stringify(name)} has ${end - begin} bytes; its shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count * size}`, 'the file is truncated or damaged');
    spans.push([begin, end, name]);
    const data = new Float32Array(count);
    const at = headerEnd + begin;
    for (let i = 0; i < count; i++) data[i] = readValue(dv, at + i * size, dtype);
    tensors.set(name, { dtype, shape: shape as number[], data });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) throw bad(`tensors ${JSON.stringify(spans[i - 1]![2])} and ${JSON.stringify(spans[i]![2])} overlap`, 'the file is damaged');
  }
  return { metadata, tensors };
}

function readValue(dv: DataView, at: number, dtype: string): number {
  switch (dtype) {
    case 'F32': return dv.getFloat32(at, true);
    case 'F64': return dv.getFloat64(at, true);
    case 'BF16': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint16(0, dv.getUint16(at, true), false); // the high half of a big-endian float32
      return b.getFloat32(0, false);
    }
    default: return half(dv.getUint16(at, true));
  }
}

/** IEEE 754 binary16 to a number. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * A model-only checkpoint from a safetensors file: the description in its
 * "rnnlm" metadata (an rnnlm export), or `base`'s when given (weights trained
 * elsewhere for the model `base` describes: its config, tokenizer and
 * vocabulary are kept, the tensors replaced).
 */
export function checkpointFromSafetensors(bytes: Uint8Array, base: Checkpoint | null = null, backend: Backend = referenceBackend): Checkpoint {
  const st = parseSafetensors(bytes);
  let description: unknown;
  if (base) {
    description = checkpointDescription(base);
  } else {
    const text = st.metadata[RNNLM_METADATA];
    if (text === undefined) {
      throw new CheckpointError('the safetensors file does not say which model it is (no "rnnlm" metadata: it was not written by rnnlm export)',
        'give the model it belongs to: rnnlm import weights.safetensors --config model.json -o new.json');
    }
    try {
      description = JSON.parse(text);
    } catch {
      throw new CheckpointError('the safetensors file\'s "rnnlm" metadata is not JSON', 'give the model it belongs to with --config, or export it again');
    }
  }
  return checkpointFromTensors(description, st.tensors, backend);
}
