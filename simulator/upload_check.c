/* simulator/upload_check.c — drugflow-sim's check of an uploaded file
 * before it is stored (answer 2003 when it fails): well-formed XML, the
 * profile's root element, no DOCTYPE (parsed with no network, no DTD, no
 * entities), and a Header whose Period can be read, for the
 * archived-period rule (2004). The Header is found wherever it is: padding
 * in front of it cannot hide the period (writer/header_scan.h). */
#include "simulator/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/values.h"
#include "writer/header_scan.h"

int sim_check_upload(const df_profile *p, const unsigned char *buf, size_t len, size_t prefix, char period[32],
                     char msg[300])
{
    period[0] = '\0';
    msg[0] = '\0';
    if (len > 0x7fffffff) {
        snprintf(msg, 300, "file too large");
        return -1;
    }
    df_header_scan *s = malloc(sizeof *s);
    if (!s || df_header_scan_init(s, p, prefix) != 0) {
        snprintf(msg, 300, "out of memory");
        free(s);
        return -1;
    }
    df_header_scan_feed(s, buf, len, 1);
    int rc = df_header_scan_finish(s);
    const char *per = rc == 0 ? df_header_scan_get(s, DF_HV_PERIOD) : NULL;
    char why[128];
    if (rc != 0) {
        snprintf(msg, 300, "%s", s->msg);
    } else if (!per || df_period_check(per, why, sizeof why) != 0) {
        const char *name = "Period";
        for (int i = 0; i < p->nheader; i++)
            if (p->header_values[i] == DF_HV_PERIOD)
                name = p->header_names[i];
        snprintf(msg, 300, "the %s's <%s> %.40s%s%s", p->header, name, per ? "'" : "is missing", per ? per : "",
                 per ? "' is not a period YYYY-MM" : "");
        rc = -1;
    } else {
        snprintf(period, 32, "%s", per);
    }
    df_header_scan_free(s);
    free(s);
    return rc;
}
