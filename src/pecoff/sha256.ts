/**
 * SHA-256 (FIPS 180-4), incremental and synchronous, so that the
 * Authenticode digest can be computed over ranges of the caller's bytes
 * without copying them. Written for this module; WebCrypto's
 * `crypto.subtle.digest` is one-shot and would need the ranges
 * concatenated first.
 *
 * @module
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** An incremental SHA-256. */
export class Sha256 {
  private readonly h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private readonly w = new Int32Array(64);
  private readonly block = new Uint8Array(64);
  private fill = 0;
  private length = 0;
  private done = false;

  /** Feeds `bytes[start, end)` (the whole array by default). Returns this hash. */
  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    if (this.done) throw new Error('Sha256: update after digest');
    let i = start;
    this.length += end - start;
    if (this.fill > 0) {
      while (i < end && this.fill < 64) this.block[this.fill++] = bytes[i++] as number;
      if (this.fill < 64) return this;
      this.blocks(this.block, 0, 1);
      this.fill = 0;
    }
    const whole = Math.floor((end - i) / 64);
    if (whole > 0) {
      this.blocks(bytes, i, whole);
      i += whole * 64;
    }
    while (i < end) this.block[this.fill++] = bytes[i++] as number;
    return this;
  }

  /** Finishes and returns the 32-byte digest. */
  digest(): Uint8Array {
    if (this.done) throw new Error('Sha256: digest twice');
    this.done = true;
    const bits = this.length * 8;
    this.block[this.fill++] = 0x80;
    if (this.fill > 56) {
      this.block.fill(0, this.fill);
      this.blocks(this.block, 0, 1);
      this.fill = 0;
    }
    this.block.fill(0, this.fill, 56);
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    for (let j = 0; j < 4; j++) {
      this.block[56 + j] = (hi >>> (24 - 8 * j)) & 0xff;
      this.block[60 + j] = (lo >>> (24 - 8 * j)) & 0xff;
    }
    this.blocks(this.block, 0, 1);
    const out = new Uint8Array(32);
    for (let j = 0; j < 8; j++) {
      const v = (this.h[j] as number) >>> 0;
      out[4 * j] = v >>> 24;
      out[4 * j + 1] = (v >>> 16) & 0xff;
      out[4 * j + 2] = (v >>> 8) & 0xff;
      out[4 * j + 3] = v & 0xff;
    }
    return out;
  }

  /** Compresses `count` 64-byte blocks of `b` starting at `o`. */
  private blocks(b: Uint8Array, o: number, count: number): void {
    const w = this.w;
    const h = this.h;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let h0 = h[0] as number;
    let h1 = h[1] as number;
    let h2 = h[2] as number;
    let h3 = h[3] as number;
    let h4 = h[4] as number;
    let h5 = h[5] as number;
    let h6 = h[6] as number;
    let h7 = h[7] as number;
    for (let blk = 0; blk < count; blk++, o += 64) {
      for (let t = 0; t < 16; t++) w[t] = dv.getUint32(o + 4 * t, false) | 0;
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15] as number;
        const y = w[t - 2] as number;
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
      }
      let a = h0;
      let bb = h1;
      let c = h2;
      let d = h3;
      let e = h4;
      let f = h5;
      let g = h6;
      let hh = h7;
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + (K[t] as number) + (w[t] as number)) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & bb) ^ (a & c) ^ (bb & c);
        const t2 = (S0 + maj) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = bb;
        bb = a;
        a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + bb) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0;
      h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0;
      h7 = (h7 + hh) | 0;
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
    h[4] = h4;
    h[5] = h5;
    h[6] = h6;
    h[7] = h7;
  }
}

/** The SHA-256 digest of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Sha256().update(bytes).digest();
}
