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
  cs_insn *insns;
  size_t count = cs_disasm(handle, buffer, length, start_va, 0, &insns);
  uintptr_t end = start_va;
  for (size_t i = 0; i < count; i++) {
    uintptr_t at = (uintptr_t) insns[i].address;
    end = at + insns[i].size;
    if (event) {
      event(event_stream, "insn", (void *) at);
    }
    printf_callback(printf_stream, "%s\t%s", insns[i].mnemonic, insns[i].op_str);
    if (event) {
      event(event_stream, "/insn", (void *) end);
    }
    if (newline) {
      printf_callback(printf_stream, "\n");
    }
  }
  if (count > 0) {
    cs_free(insns, count);
  }
  cs_close(&handle);
  return (void *) end;
}
