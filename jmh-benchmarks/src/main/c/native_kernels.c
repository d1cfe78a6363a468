// The native reference for the compute kernels: the very same C (fixtures/src/bench/kernels.c, bulk.c),
// compiled with gcc -O2 for the host, driven over a pipe by NativeKernels. Protocol, one line each:
//   "<fn> <arg>\n"  ->  "<result>\n"   with fn in fill, hash, sieve, fib, matmul, bulk, zlib_fill,
//   zlib_deflate, zlib_inflate, lua_setup, lua_run, sqlite_run, json_fill, json_run, nop (zlib_kernels.c,
//   lua_kernels.c, sqlite_kernels.c and json_kernels.c are linked against Debian's libz, liblua5.4,
//   libsqlite3 and libcjson of the versions their Wasm builds use)
// so one JMH operation is one call plus one pipe round trip (the "nop" figure measures that trip).
#include <stdio.h>
#include <string.h>
#include "kernels.c"
#include "bulk.c"
#include "zlib_kernels.c"
#include "lua_kernels.c"
#include "sqlite_kernels.c"
#include "json_kernels.c"

int main(void) {
  char fn[16];
  unsigned long arg;
  setvbuf(stdout, NULL, _IOFBF, 1 << 12);
  while (scanf("%15s %lu", fn, &arg) == 2) {
    unsigned long result;
    if (strcmp(fn, "hash") == 0) result = hash((uint32_t)arg);
    else if (strcmp(fn, "sieve") == 0) result = sieve((uint32_t)arg);
    else if (strcmp(fn, "fib") == 0) result = fib((uint32_t)arg);
    else if (strcmp(fn, "matmul") == 0) result = matmul((uint32_t)arg);
    else if (strcmp(fn, "bulk") == 0) result = bulk((uint32_t)arg);
    else if (strcmp(fn, "zlib_fill") == 0) { zlib_fill((uint32_t)arg); result = 0; }
    else if (strcmp(fn, "zlib_deflate") == 0) result = zlib_deflate((uint32_t)arg);
    else if (strcmp(fn, "zlib_inflate") == 0) result = zlib_inflate((uint32_t)arg);
    else if (strcmp(fn, "lua_setup") == 0) result = lua_setup((uint32_t)arg);
    else if (strcmp(fn, "lua_run") == 0) result = lua_run((uint32_t)arg);
    else if (strcmp(fn, "sqlite_run") == 0) result = sqlite_run((uint32_t)arg);
    else if (strcmp(fn, "json_fill") == 0) result = json_fill((uint32_t)arg);
    else if (strcmp(fn, "json_run") == 0) result = json_run((uint32_t)arg);
    else if (strcmp(fn, "fill") == 0) { fill((uint32_t)arg); result = 0; }
    else if (strcmp(fn, "nop") == 0) result = arg;
    else { fprintf(stderr, "unknown function %s\n", fn); return 2; }
    printf("%lu\n", result);
    fflush(stdout);
  }
  return 0;
}
