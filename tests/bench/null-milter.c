/*
 * null-milter.c - a milter that does nothing, the floor of the benchmark:
 * libmilter with one callback (end of message: accept) and the same
 * negotiation as tenant-milter (no reply for connect, RCPT, headers and
 * body; HELO, DATA, unknown skipped), so what it costs per message is
 * libmilter's own cost on the same protocol.
 *
 * usage: null-milter PORT    (listens on 127.0.0.1, runs until killed)
 */

#include <stdio.h>
#include <stdlib.h>
#include <libmilter/mfapi.h>

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	       unsigned long f2, unsigned long f3, unsigned long *pf0,
	       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx; (void)f2; (void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN |
		     SMFIP_NR_CONN | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int
main(int argc, char **argv)
{
	static struct smfiDesc desc = {
		.xxfi_name = "null-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_eom = null_eom,
		.xxfi_negotiate = null_negotiate,
	};
	char sock[64];

	if (argc != 2)
		return 2;
	snprintf(sock, sizeof(sock), "inet:%d@127.0.0.1", atoi(argv[1]));
	if (smfi_setconn(sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS)
		return 1;
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
