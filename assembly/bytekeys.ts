// Byte-string keys for hash tables in linear memory: the first 8 bytes as one u64 (zero-padded),
// a hash 8 bytes at a time, equality 8 bytes at a time. Keys may be read up to 8 bytes past their
// end, so every buffer holding keys has that slack. Helpers only: not exported from the module.

@inline export function prefix8(p: usize, n: i32): u64 {
  const w = load<u64>(p);
  return n >= 8 ? w : w & ((<u64>1 << (<u64>n << 3)) - 1);
}

@inline export function mix64(h: u64): u64 {
  h = (h ^ (h >> 32)) * 0xD6E8FEB86659FD93;
  return h ^ (h >> 32);
}

@inline export function hashBytes(p: usize, n: i32, first: u64): u32 {
  let h = mix64(first ^ (<u64>n * 0x9E3779B97F4A7C15));
  for (let i = 8; i < n; i += 8) h = mix64(h ^ prefix8(p + <usize>i, n - i));
  return <u32>h;
}

@inline export function bytesEqual(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

// Hash of an (left id, right id) pair: the merge table and the training pair table key on it.
@inline export function mixPair(a: i32, b: i32): u32 {
  let h = (<u32>a * 0x9E3779B1) ^ (<u32>b * 0x85EBCA77 + 0x165667B1);
  h ^= h >> 15;
  h *= 0x2C1B3C6D;
  h ^= h >> 12;
  return h;
}
