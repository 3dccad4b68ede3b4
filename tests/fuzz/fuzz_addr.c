/*
 * fuzz_addr.c - libFuzzer harness: header mailboxes (From, Reply-To) and
 * SMTP paths (MAIL FROM/RCPT TO arguments), the parsers every message
 * goes through.  The first byte picks the parser; a parsed mailbox is
 * formatted again (tm_addr_format), as the milter does when it rewrites
 * From, and that value must parse back to the same address.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tm_mailbox mb, again;
	char why[256], *s, *addr = NULL, *fmt;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1) {
		if (tm_addr_parse_path(s, &addr, why, sizeof(why)) == 0)
			(void)tm_addr_domain(addr);
		free(addr);
	} else if (tm_addr_parse_mailbox(s, &mb, why, sizeof(why)) == 0) {
		if ((fmt = tm_addr_format(mb.display, mb.addr)) != NULL) {
			if (tm_addr_parse_mailbox(fmt, &again, why, sizeof(why)) == 0) {
				if (strcmp(again.addr, mb.addr) != 0)
					abort();	/* the rewrite changed the address */
				tm_mailbox_fini(&again);
			}
			free(fmt);
		}
		tm_mailbox_fini(&mb);
	}
	free(s);
	return 0;
}
