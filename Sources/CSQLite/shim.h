#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift does not import: the one process-wide setting we
/// change, wrapped. With memory statistics on (the default of Debian's build), every SQLite
/// allocation and free takes one global mutex, shared by all connections of the process.
/// Returns SQLITE_OK, or SQLITE_MISUSE when SQLite was already initialized (nothing changed).
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
