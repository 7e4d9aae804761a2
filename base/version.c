/* base/version.c — the program's version; see version.h. */
#include "base/version.h"

static const char *g_version = "";

void df_version_set(const char *version)
{
    g_version = version ? version : "";
}

const char *df_version(void)
{
    return g_version;
}
