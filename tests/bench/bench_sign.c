/*
 * bench_sign.c - per-message signing cost against the bare minimum.
 *
 * Usage: bench_sign [N]
 *
 * Side by side, in one run on the same machine (ratios matter, not the
 * absolute figures of a shared machine):
 *   openssl   N RSA-2048 signatures of a SHA-256 digest (EVP_DigestSign),
 *             key parsed once: the floor for one DKIM signature;
 *   parse     N PEM parses of the same key: what libopendkim added per
 *             dkim_sign() because it takes key bytes, not a key (the
 *             native signer parses once per configuration);
 *   signer    N whole messages (12 headers, 4 KB body in 1 KB chunks)
 *             through tm_signer (sign.c) with the key from keys.c;
 *   ed25519   the same with an Ed25519 key.
 * Prints messages per CPU second and each line's cost relative to
 * `openssl` (CPU time of this process: load on the machine does not
 * count).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "conf/conf.h"
#include "dkim/keys.h"
#include "dkim/sign.h"

static double
now(void)
{
	struct timespec ts;

	/* CPU time, not wall time: on a shared, loaded machine the figures
	 * are what one signature costs, not how long it waited for a core */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* one_message - headers + body through a signer; 0 ok */
static int
one_message(const struct tm_dkim *d, const unsigned char *body, size_t blen)
{
	static const char *const hdr[][2] = {
		{ "From", "\"Acme\" <claim@acme.example>" }, { "To", "u@dest.example" },
		{ "Subject", "Your enrolment is confirmed" },
		{ "Date", "Mon, 23 Nov 2026 16:00:00 +0000" },
		{ "Message-ID", "<1234567890@lms.provider.example>" },
		{ "MIME-Version", "1.0" }, { "Content-Type", "text/plain; charset=utf-8" },
		{ "Content-Transfer-Encoding", "8bit" }, { "Reply-To", "hr@acme.example" },
		{ "X-Mailer", "lms" }, { "List-Unsubscribe", "<mailto:u@acme.example>" },
		{ "Received", "from app (app [192.0.2.1]) by mx" },
	};
	const struct tm_dkim *sigs[1] = { d };
	char why[512];
	struct tm_signer *s = tm_signer_new("BENCH", sigs, 1, why, sizeof(why));
	size_t i;
	int rc = -1;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
		if (tm_signer_header(s, hdr[i][0], hdr[i][1], why, sizeof(why)) < 0)
			goto out;
	if (tm_signer_eoh(s, why, sizeof(why)) < 0)
		goto out;
	for (i = 0; i < blen; i += 1024)
		if (tm_signer_body(s, body + i, blen - i < 1024 ? blen - i : 1024,
				   why, sizeof(why)) < 0)
			goto out;
	rc = tm_signer_eom(s, why, sizeof(why));
out:
	if (rc < 0)
		fprintf(stderr, "bench_sign: %s\n", why);
	tm_signer_free(s);
	return rc;
}

/* bench_signer - messages per second through tm_signer */
static double
bench_signer(const struct tm_key *k, enum tm_dkim_alg alg, int n,
	     const unsigned char *body, size_t blen)
{
	struct tm_dkim d = { "acme.example", "bench", (char *)k->path, alg,
			     "bench", 1, k, NULL };
	double t0 = now();
	int i;

	for (i = 0; i < n; i++)
		if (one_message(&d, body, blen) < 0)
			return 0;
	return n / (now() - t0);
}

/* bench_openssl - raw RSA signatures per second, key parsed once */
static double
bench_openssl(const struct tm_key *k, int n, double *parse_rate)
{
	EVP_PKEY *pkey = k->pkey;
	BIO *pem = BIO_new(BIO_s_mem()), *bio;
	char *pem_text;
	long pem_len;
	unsigned char digest[32] = { 1 }, sig[512];
	size_t siglen;
	double t0;
	int i;

	if (pem == NULL || !PEM_write_bio_PrivateKey(pem, pkey, NULL, NULL, 0,
						     NULL, NULL))
		return 0;
	pem_len = BIO_get_mem_data(pem, &pem_text);
	t0 = now();
	for (i = 0; i < n; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		siglen = sizeof(sig);
		EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey);
		EVP_DigestSign(ctx, sig, &siglen, digest, sizeof(digest));
		EVP_MD_CTX_free(ctx);
	}
	t0 = n / (now() - t0);
	*parse_rate = now();
	for (i = 0; i < n; i++) {
		bio = BIO_new_mem_buf(pem_text, (int)pem_len);
		EVP_PKEY_free(PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL));
		BIO_free(bio);
	}
	*parse_rate = n / (now() - *parse_rate);
	BIO_free(pem);
	return t0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	char dir[] = "/tmp/tm-bench.XXXXXX", rsa[64], ed[64], why[512], warn[512];
	unsigned char body[4096];
	struct tm_key *kr, *ke;
	double ossl, parse = 0, sr, se;

	memset(body, 'x', sizeof(body));
	for (size_t i = 76; i < sizeof(body); i += 78) {
		body[i] = '\r';
		body[i + 1] = '\n';
	}
	if (mkdtemp(dir) == NULL || tm_sign_init() < 0)
		return 1;
	snprintf(rsa, sizeof(rsa), "%s/rsa.key", dir);
	snprintf(ed, sizeof(ed), "%s/ed.key", dir);
	if (tm_key_generate(rsa, TM_ALG_RSA_SHA256, 2048, why, sizeof(why)) < 0 ||
	    tm_key_generate(ed, TM_ALG_ED25519_SHA256, 0, why, sizeof(why)) < 0 ||
	    (kr = tm_key_load(rsa, TM_ALG_RSA_SHA256, why, warn, sizeof(why))) == NULL ||
	    (ke = tm_key_load(ed, TM_ALG_ED25519_SHA256, why, warn, sizeof(why))) == NULL) {
		fprintf(stderr, "bench_sign: %s\n", why);
		return 1;
	}
	ossl = bench_openssl(kr, n, &parse);
	sr = bench_signer(kr, TM_ALG_RSA_SHA256, n, body, sizeof(body));
	se = bench_signer(ke, TM_ALG_ED25519_SHA256, n, body, sizeof(body));
	printf("n=%d (RSA-2048 unless said; 4 KB body, 12 headers)\n", n);
	printf("openssl  rsa sign only     %8.0f /s  %5.2f ms  1.00x\n", ossl, 1e3 / ossl);
	printf("openssl  PEM key parse     %8.0f /s  %5.2f ms  %.2fx\n", parse,
	       1e3 / parse, ossl / parse);
	printf("signer   rsa whole message %8.0f /s  %5.2f ms  %.2fx\n", sr,
	       1e3 / sr, ossl / sr);
	printf("signer   ed25519 message   %8.0f /s  %5.2f ms  %.2fx\n", se,
	       1e3 / se, ossl / se);
	printf("overhead of the rsa signer beyond the raw signature: %.2f ms "
	       "(a PEM parse per message, as libopendkim did, would add %.2f ms)\n",
	       1e3 / sr - 1e3 / ossl, 1e3 / parse);
	tm_key_free(kr);
	tm_key_free(ke);
	unlink(rsa);
	unlink(ed);
	rmdir(dir);
	tm_sign_fini();
	return 0;
}
