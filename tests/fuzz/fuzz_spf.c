/*
 * fuzz_spf.c - libFuzzer harness: SPF record syntax (RFC 7208 section 12
 * and the rules libspf2 is lax about), for an IPv4 and an IPv6 client.
 * Records come from DNS, that is from anyone.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char v4[4] = { 192, 0, 2, 10 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	char why[256], *rec, *out = NULL;

	if ((rec = malloc(size + 1)) == NULL)
		return 0;
	memcpy(rec, data, size);
	rec[size] = '\0';
	if (tm_spf_record_check(rec, AF_INET, v4, &out, why, sizeof(why)) == 0)
		free(out);
	out = NULL;
	if (tm_spf_record_check(rec, AF_INET6, v6, &out, why, sizeof(why)) == 0)
		free(out);
	free(rec);
	return 0;
}
