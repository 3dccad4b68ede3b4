#ifndef TM_TXTZONE_H
#define TM_TXTZONE_H

/*
 * txtzone - a TXT record as an operator publishes it: the RFC 1035
 * master-file form, the text cut into quoted character-strings of at
 * most 255 bytes each (what `genkey`, `dns` and `records` print for DKIM,
 * SPF and DMARC records).  The one-string form for DNS web forms is the
 * text itself: resolvers join the strings without separator (RFC 7208
 * 3.3, RFC 6376 3.6.2.2).  Thread-safe; no state.
 */

#define TM_TXT_STRING_MAX 255		/* RFC 1035 3.3: <character-string> */

/*
 * tm_dns_txt_zone - "OWNER. IN TXT ( \"...\"\n\t\"...\" )": the owner name
 * with a final dot, one string of at most 255 bytes (before escaping) per
 * line, '"' and '\' escaped.  Caller frees; NULL when out of memory.
 */
char *tm_dns_txt_zone(const char *owner, const char *txt);

#endif
