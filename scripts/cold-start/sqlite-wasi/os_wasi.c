/* The OS layer of the SQLite shell on WASI preview1 (build-programs compiles it with SQLITE_OS_OTHER):
   preview1 has no fcntl locks or mmap, so files go through SQLite's own demonstration VFS
   (src/test_demovfs.c: plain open/read/write/fsync, no locking, one process at a time). */
#include <errno.h>
#include <sys/stat.h>
#include "sqlite3.h"

sqlite3_vfs *sqlite3_demovfs(void);

int sqlite3_os_init(void) { return sqlite3_vfs_register(sqlite3_demovfs(), 1); }

int sqlite3_os_end(void) { return SQLITE_OK; }

/* the shell's writefile() sets file modes, which preview1 does not have */
int chmod(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  errno = ENOTSUP;
  return -1;
}
