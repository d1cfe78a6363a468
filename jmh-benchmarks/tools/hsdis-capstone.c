/*
 * A HotSpot disassembler plugin (hsdis) on Capstone, for JMH's perfasm profiler and
 * -XX:+PrintAssembly on x86-64. Built and installed by scripts/build-hsdis.
 *
 * HotSpot (JDK 9 and later) calls decode_instructions_virtual with the code's bytes and the address
 * they run at; this prints each instruction through the printf callback, telling HotSpot where each
 * starts and ends through the event callback, so that it can interleave its own comments.
 */
#include <capstone/capstone.h>
#include <stdint.h>

typedef void *(*event_callback_t)(void *stream, const char *event, void *arg);
typedef int (*printf_callback_t)(void *stream, const char *format, ...);

void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer, uintptr_t length,
                                  event_callback_t event, void *event_stream, printf_callback_t printf_callback,
                                  void *printf_stream, const char *options, int newline) {
  (void) end_va;
  (void) options;
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
    return (void *) start_va;
  }
  cs_insn *insn = cs_malloc(handle);
  const uint8_t *code = buffer;
  size_t left = length;
  uint64_t at = start_va;
  while (left > 0) {
    uint64_t from = at;
    int decoded = cs_disasm_iter(handle, &code, &left, &at, insn);
    if (event) {
      event(event_stream, "insn", (void *) (uintptr_t) from);
    }
    if (decoded) {
      printf_callback(printf_stream, insn->op_str[0] ? "%s\t%s" : "%s%s", insn->mnemonic, insn->op_str);
    } else { // a byte this Capstone does not decode (a newer extension): shown as data, and skipped
      printf_callback(printf_stream, ".byte\t0x%02x", *code);
      code++;
      left--;
      at++;
    }
    if (event) {
      event(event_stream, "/insn", (void *) (uintptr_t) at);
    }
    if (newline) {
      printf_callback(printf_stream, "\n");
    }
  }
  cs_free(insn, 1);
  cs_close(&handle);
  return (void *) (uintptr_t) at;
}
