// govchain's canonical codec (docs/contracts.md 5.1): big-endian integers,
// bytes and texts with a u32 length, one encoding per value.
import { FormatError, fromUtf8, utf8 } from "./bytes.js";

export class Reader {
  private position = 0;
  constructor(private readonly input: Uint8Array) {}

  remaining(): number {
    return this.input.length - this.position;
  }
  private take(size: number): Uint8Array {
    if (size > this.remaining())
      throw new FormatError(`input ends at byte ${this.position} where ${size} more bytes were expected`);
    const view = this.input.subarray(this.position, this.position + size);
    this.position += size;
    return view;
  }
  u8(): number {
    return this.take(1)[0];
  }
  u16(): number {
    const b = this.take(2);
    return (b[0] << 8) | b[1];
  }
  u32(): number {
    const b = this.take(4);
    return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  }
  u64(): bigint {
    const b = this.take(8);
    let value = 0n;
    for (const byte of b) value = (value << 8n) | BigInt(byte);
    return value;
  }
  i64(): bigint {
    return BigInt.asIntN(64, this.u64());
  }
  boolean(): boolean {
    const value = this.u8();
    if (value > 1) throw new FormatError("a boolean that is neither 0 nor 1");
    return value === 1;
  }
  fixed(size: number): Uint8Array {
    return this.take(size).slice();
  }
  bytes(sizeMax: number): Uint8Array {
    const size = this.u32();
    if (size > sizeMax) throw new FormatError(`a byte string of ${size} bytes, limit ${sizeMax}`);
    return this.take(size).slice();
  }
  text(sizeMax: number): string {
    return fromUtf8(this.bytes(sizeMax));
  }
  count(countMax: number, elementSizeMin = 1): number {
    const value = this.u32();
    if (value > countMax) throw new FormatError(`a list of ${value} entries, limit ${countMax}`);
    if (elementSizeMin > 0 && value > Math.floor(this.remaining() / elementSizeMin))
      throw new FormatError(`a list claims ${value} entries but only ${this.remaining()} bytes follow`);
    return value;
  }
  finish(): void {
    if (this.remaining() !== 0) throw new FormatError(`${this.remaining()} trailing bytes`);
  }
}

export class Writer {
  private parts: number[] = [];
  u8(value: number): void {
    this.parts.push(value & 0xff);
  }
  u16(value: number): void {
    this.parts.push((value >>> 8) & 0xff, value & 0xff);
  }
  u32(value: number): void {
    this.parts.push((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
  }
  u64(value: bigint): void {
    const unsigned = BigInt.asUintN(64, value);
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.parts.push(Number((unsigned >> shift) & 0xffn));
  }
  i64(value: bigint): void {
    this.u64(value);
  }
  boolean(value: boolean): void {
    this.u8(value ? 1 : 0);
  }
  raw(bytes: Uint8Array): void {
    for (const byte of bytes) this.parts.push(byte);
  }
  bytes(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.raw(bytes);
  }
  text(text: string): void {
    this.bytes(utf8(text));
  }
  data(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
