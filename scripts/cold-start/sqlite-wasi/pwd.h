/* WASI has no user database: no home folder, so the shell reads no ~/.sqliterc */
#include <sys/types.h>
struct passwd { char *pw_dir; };
#define getpwuid(uid) ((struct passwd *)0)
#define getuid() 0
