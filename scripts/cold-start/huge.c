// The generated 32 MB module for cold-start measurements (scripts/cold-start/build-programs builds
// it; it is too large to commit): the recipe of fixtures/src/bench/large.c scaled to 32,768 distinct
// functions of 24 mixing steps each. main calls every function once through a table and prints a
// checksum, so a run touches the whole code section once, like a large tool printing its version.
// Built in nine translation units (clang needs 10 GB and a quarter of an hour for one): -DPART=10,
// 11, 12, 13, 20, 21, 22, 23 each define 4,096 functions; without PART, the table and main.
#include <stdint.h>
#include <stdio.h>

#define STEP(k) \
  x ^= x >> ((N + (k)) % 13 + 3); \
  x *= 0x9E3779B1u + (uint32_t)(N * 2654435761u) + (k) * 0x85EBCA77u; \
  x += y ^ (0xC2B2AE3Du * ((k) + 1) + N); \
  y = (y << ((k) % 7 + 1)) | (y >> (31 - (k) % 7)); \
  y ^= x + (uint32_t)(N * 40503u + (k));

#define STEPS8(k) STEP(k) STEP(k + 1) STEP(k + 2) STEP(k + 3) STEP(k + 4) STEP(k + 5) STEP(k + 6) STEP(k + 7)

#define D4(m, n) m(n##0) m(n##1) m(n##2) m(n##3)
#define D16(m, n) D4(m, n##0) D4(m, n##1) D4(m, n##2) D4(m, n##3)
#define D64(m, n) D16(m, n##0) D16(m, n##1) D16(m, n##2) D16(m, n##3)
#define D256(m, n) D64(m, n##0) D64(m, n##1) D64(m, n##2) D64(m, n##3)
#define D1024(m, n) D256(m, n##0) D256(m, n##1) D256(m, n##2) D256(m, n##3)
#define D4096(m, n) D1024(m, n##0) D1024(m, n##1) D1024(m, n##2) D1024(m, n##3)
#define EXPAND(m, p) D4096(m, p)
// Names are base-4 digit strings after a leading 1 or 2: 8 x 4096 = 32,768 functions.
#define ALL(m) D4096(m, 10) D4096(m, 11) D4096(m, 12) D4096(m, 13) \
  D4096(m, 20) D4096(m, 21) D4096(m, 22) D4096(m, 23)

#define DEFINE(n) \
  __attribute__((noinline)) uint32_t f_##n(uint32_t x, uint32_t y) { \
    enum { N = n }; \
    STEPS8(0) STEPS8(8) STEPS8(16) \
    return x ^ y; \
  }
#define DECLARE(n) uint32_t f_##n(uint32_t, uint32_t);
#define REF(n) f_##n,

#ifdef PART
EXPAND(DEFINE, PART)
#else
ALL(DECLARE)
static uint32_t (*const table[])(uint32_t, uint32_t) = { ALL(REF) };

int main(int argc, char **argv) {
  (void)argv;
  uint32_t h = (uint32_t)argc;
  for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++) h = table[i](h, i);
  printf("huge module: %u functions, checksum %08x\n", (unsigned)(sizeof table / sizeof table[0]), h);
  return 0;
}
#endif
