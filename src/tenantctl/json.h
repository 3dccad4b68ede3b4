#ifndef TCTL_JSON_H
#define TCTL_JSON_H

/*
 * json.h - the few JSON writers tenantctl's --json outputs need.  Strings
 * are escaped per RFC 8259 (control characters as \u00XX); NULL is null.
 */

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

void tctl_json_str(FILE *, const char *);
/* tctl_json_kv - "key":"value", with a leading comma unless first */
void tctl_json_kv(FILE *, bool first, const char *key, const char *value);
void tctl_json_ki(FILE *, bool first, const char *key, long value);
void tctl_json_kb(FILE *, bool first, const char *key, bool value);
/* tctl_json_strv - "key":["a","b"] */
void tctl_json_strv(FILE *, bool first, const char *key, const struct tm_strv *);

#endif
