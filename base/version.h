/* base/version.h — the program's version for what the libraries write
 * (the "version" of every --json summary). main() sets it once from the
 * version the build records (git describe, or the VERSION file). */
#ifndef DF_BASE_VERSION_H
#define DF_BASE_VERSION_H

void df_version_set(const char *version);
/* "" until set. */
const char *df_version(void);

#endif
